package dev.postbox.bench.probe;

import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Send throughput of one server, in-process, through AWS SDK v2 with P concurrent producers each sending one
 * 1 KiB message per request. Not a test (the benchmark suite is the performance issue's); run with
 * {@code scripts/measure-throughput.sh STORAGE PRODUCERS SECONDS}, STORAGE = memory | embedded (fsync always) |
 * embedded-interval.
 */
public final class ThroughputProbe {
    public static void main(String[] args) throws Exception {
        String storage = args[0];
        int producers = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        Map<String, String> flags = new java.util.HashMap<>(Map.of(PostboxConfig.HTTP_PORT, "0"));
        if (storage.equals("memory")) {
            flags.put(PostboxConfig.STORAGE_KIND, "memory");
        } else {
            flags.put(PostboxConfig.STORAGE_KIND, "embedded");
            flags.put(PostboxConfig.STORAGE_DATA_DIR, Files.createTempDirectory("postbox-throughput").toString());
            flags.put(PostboxConfig.STORAGE_FSYNC, storage.equals("embedded-interval") ? "interval" : "always");
        }
        String body = "x".repeat(1024);
        try (PostboxServer server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), flags));
             SqsClient sqs = SqsClient.builder().endpointOverride(URI.create(server.endpoint())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                     .httpClient(ApacheHttpClient.builder().maxConnections(producers).build()).build()) {
            String url = sqs.createQueue(b -> b.queueName("throughput")).queueUrl();
            for (int i = 0; i < 2000; i++) { // warm-up
                sqs.sendMessage(b -> b.queueUrl(url).messageBody(body));
            }
            AtomicLong sent = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            for (int p = 0; p < producers; p++) {
                pool.submit(() -> {
                    while (running.get()) {
                        sqs.sendMessage(b -> b.queueUrl(url).messageBody(body));
                        sent.incrementAndGet();
                    }
                });
            }
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            running.set(false);
            long count = sent.get();
            double elapsed = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            System.out.printf("storage=%s producers=%d: %,d sends in %.1f s = %,.0f msg/s%n", storage, producers,
                    count, elapsed, count / elapsed);
        }
    }
}
