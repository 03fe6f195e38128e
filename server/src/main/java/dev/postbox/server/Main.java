package dev.postbox.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@code ./postbox}: starts the server and runs until SIGTERM or Ctrl-C. */
@Command(name = "postbox", mixinStandardHelpOptions = true, version = "Postbox 0.1.0",
        description = "An Amazon SQS-compatible message queue server.",
        footer = {"", "Configuration precedence: defaults < --config file < POSTBOX_* environment variables < flags.",
                "Config keys: http.host, http.port, http.public-base-url, http.max-request-bytes, storage.kind,",
                "storage.data-dir, storage.fsync (always|interval), storage.fsync-interval-ms, sqs.account-id,",
                "sqs.region, sqs.queue-reuse-delay-seconds, sqs.purge-interval-seconds."})
public final class Main implements Callable<Integer> {
    /** Kept referenced: java.util.logging holds loggers weakly, and a collected logger loses its level. */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");

    @Option(names = "--host", description = "Interface to listen on (default 127.0.0.1).")
    String host;

    @Option(names = "--port", description = "Port to listen on (default 9324; 0 picks a free one).")
    String port;

    @Option(names = "--storage", description = "Storage kind: embedded (durable, default) or memory (ephemeral).")
    String storage;

    @Option(names = "--data-dir", description = "Data directory of the embedded storage (default ./postbox-data).")
    String dataDir;

    @Option(names = "--config", description = "A properties file with configuration keys.")
    Path configFile;

    private final PrintStream out;

    Main(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        HELIDON_LOG.setLevel(Level.WARNING);
        CommandLine commandLine = new CommandLine(new Main(System.out));
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("postbox: " + e.getMessage());
            return 2;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> flags = new HashMap<>();
        flags.put(PostboxConfig.HTTP_HOST, host);
        flags.put(PostboxConfig.HTTP_PORT, port);
        flags.put(PostboxConfig.STORAGE_KIND, storage);
        flags.put(PostboxConfig.STORAGE_DATA_DIR, dataDir);
        PostboxConfig config = PostboxConfig.resolve(configFile, System.getenv(), flags);
        PostboxServer server = PostboxServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            out.println("Postbox stopped");
            out.flush();
            stopped.countDown();
        }, "postbox-shutdown"));
        String storageText = config.storage() == PostboxConfig.StorageKind.MEMORY ? "memory"
                : "embedded in " + config.dataDir().toAbsolutePath().normalize() + ", fsync " + config.fsync();
        out.println("Postbox listening on " + server.endpoint() + " (storage: " + storageText + ", region "
                + config.region() + ", account " + config.accountId() + ")");
        out.flush();
        stopped.await();
        return 0;
    }
}
