package dev.postbox.server;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code ./postbox}: starts the server and runs until SIGTERM or Ctrl-C. */
public final class Main {
    private static final String VERSION = "Postbox 0.1.0";
    private static final String FOOTER = String.join(System.lineSeparator(), "",
            "Configuration precedence: defaults < --config file < POSTBOX_* environment variables < flags.",
            "Config keys: " + String.join(", ", PostboxConfig.keys()) + ".");
    /** Flags are part of the interface people script against: keep them stable. */
    private static final Options OPTIONS = new Options()
            .addOption(valued("host", "Interface to listen on (default 127.0.0.1)."))
            .addOption(valued("port", "Port to listen on (default 9324; 0 picks a free one)."))
            .addOption(valued("storage", "Storage kind: embedded (durable, default), memory (ephemeral) or postgres"
                    + " (a PostgreSQL database several nodes share)."))
            .addOption(valued("data-dir", "Data directory of the embedded storage (default ./postbox-data)."))
            .addOption(valued("postgres-url", "The database of the postgres storage:"
                    + " jdbc:postgresql://host:5432/db?user=... (key storage.postgres.url)."))
            .addOption(valued("config", "A properties file with configuration keys."))
            .addOption(valued("queues", "A YAML or JSON file of queues to create at start (queues.file)."))
            .addOption(Option.builder("h").longOpt("help").desc("Show this help message and exit.").get())
            .addOption(Option.builder("V").longOpt("version").desc("Print version information and exit.").get());

    private final PrintStream out;
    private final CommandLine flags;
    /** How the lines printed here look, once the configuration is known. */
    private PostboxConfig.LogFormat format = PostboxConfig.LogFormat.TEXT;

    Main(PrintStream out, CommandLine flags) {
        this.out = out;
        this.flags = flags;
    }

    private static Option valued(String name, String description) {
        return Option.builder().longOpt(name).hasArg().argName(name.replace("-", "")).desc(description).get();
    }

    /** Parses the launcher's flags (package-private: the AOT training run starts the server the same way). */
    static CommandLine parse(String... args) throws ParseException {
        CommandLine parsed = DefaultParser.builder().get().parse(OPTIONS, args);
        if (!parsed.getArgList().isEmpty()) {
            throw new ParseException("Unexpected argument: " + parsed.getArgList().getFirst());
        }
        return parsed;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine flags;
        try {
            flags = parse(args);
        } catch (ParseException e) {
            err.println("postbox: " + e.getMessage());
            printHelp(err);
            return 2;
        }
        if (flags.hasOption("help")) {
            printHelp(out);
            return 0;
        }
        if (flags.hasOption("version")) {
            out.println(VERSION);
            return 0;
        }
        try {
            new Main(out, flags).runUntilStopped();
            return 0;
        } catch (RuntimeException | InterruptedException e) {
            err.println("postbox: " + e.getMessage());
            return 2;
        }
    }

    private static void printHelp(PrintStream stream) {
        PrintWriter writer = new PrintWriter(stream);
        HelpFormatter formatter = new HelpFormatter();
        formatter.printHelp(writer, 100, "postbox [--host H] [--port P] [--storage embedded|memory|postgres] [--data-dir D]"
                + " [--postgres-url URL] [--config F] [--queues F]", "An Amazon SQS-compatible message queue server.", OPTIONS, 2, 2, FOOTER);
        writer.flush();
    }

    private void runUntilStopped() throws InterruptedException {
        PostboxServer server = start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            out.println(LogOutput.line(format, "Postbox stopped"));
            out.flush();
            stopped.countDown();
        }, "postbox-shutdown"));
        stopped.await();
    }

    /** Resolves the configuration from the parsed flags, starts the server and prints where it listens. */
    PostboxServer start() {
        Map<String, String> values = new HashMap<>();
        values.put(PostboxConfig.HTTP_HOST, flags.getOptionValue("host"));
        values.put(PostboxConfig.HTTP_PORT, flags.getOptionValue("port"));
        values.put(PostboxConfig.STORAGE_KIND, flags.getOptionValue("storage"));
        values.put(PostboxConfig.STORAGE_DATA_DIR, flags.getOptionValue("data-dir"));
        values.put(PostboxConfig.STORAGE_POSTGRES_URL, flags.getOptionValue("postgres-url"));
        values.put(PostboxConfig.QUEUES_FILE, flags.getOptionValue("queues"));
        Path configFile = flags.hasOption("config") ? Path.of(flags.getOptionValue("config")) : null;
        PostboxConfig config = PostboxConfig.resolve(configFile, System.getenv(), values);
        LogOutput.install(config.logging().format());
        PostboxServer server = PostboxServer.start(config);
        String storageText = switch (config.storage()) {
            case MEMORY -> "memory";
            case EMBEDDED -> "embedded in " + config.dataDir().toAbsolutePath().normalize() + ", fsync "
                    + config.fsync().name().toLowerCase(java.util.Locale.ROOT);
            // Without the URL's parameters: they may hold the password.
            case POSTGRES -> "postgres at " + config.postgres().url().replaceFirst("\\?.*", "");
        };
        format = config.logging().format();
        out.println(LogOutput.line(format, "Postbox listening on " + server.endpoint() + " (storage: " + storageText
                + ", region " + config.region() + ", account " + config.accountId() + ", auth "
                + config.auth().mode().name().toLowerCase(java.util.Locale.ROOT) + ")"));
        out.println(LogOutput.line(format, "Postbox configuration: " + config.effective()));
        if (config.auth().mode() == PostboxConfig.AuthMode.OFF && !config.loopbackOnly()) {
            out.println(LogOutput.line(format, "WARNING: auth.mode is off and Postbox listens on " + config.host()
                    + ", not only on loopback: anyone who reaches this port can read, delete and purge every queue."
                    + " Set auth.mode=sigv4 (docs/security.md), or listen on 127.0.0.1."));
        }
        out.flush();
        return server;
    }
}
