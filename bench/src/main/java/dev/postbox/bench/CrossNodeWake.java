package dev.postbox.bench;

import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Long-poll wake-up across nodes: pollers wait (WaitTimeSeconds=20) on node B while a sender on node A sends one
 * message at a time, at random intervals, each carrying its send time; a poller that gets it records how long after
 * the send started it came (the send's own latency included; one process, one clock). Prints p50/p99/max in milliseconds.
 * {@code java -cp bench/target/postbox-bench-*.jar:bench/target/lib/* dev.postbox.bench.CrossNodeWake
 * --sender http://127.0.0.1:9324 --poller http://127.0.0.1:9325}
 */
@Command(name = "cross-node-wake", mixinStandardHelpOptions = true)
public final class CrossNodeWake implements Callable<Integer> {
    @Option(names = "--sender", required = true, description = "endpoint of the node that sends")
    String senderEndpoint;
    @Option(names = "--poller", required = true, description = "endpoint of the node the polls wait on")
    String pollerEndpoint;
    @Option(names = "--pollers", defaultValue = "4")
    int pollers;
    @Option(names = "--messages", defaultValue = "500")
    int messages;
    @Option(names = "--max-gap-ms", defaultValue = "100", description = "the sender waits 0..this between sends")
    int maxGapMillis;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CrossNodeWake()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Histogram wakeMicros = new Histogram(60_000_000L, 3);
        try (SqsClient sender = client(senderEndpoint); SqsClient poller = client(pollerEndpoint)) {
            String name = "cross-node-wake-" + System.nanoTime();
            String senderUrl = sender.createQueue(b -> b.queueName(name)).queueUrl();
            String pollerUrl = poller.getQueueUrl(b -> b.queueName(name)).queueUrl();
            Thread.sleep(1500); // the poller node's queue cache has the new queue either way
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            for (int p = 0; p < pollers; p++) {
                threads.submit(() -> {
                    while (running.get()) {
                        for (Message m : poller.receiveMessage(b -> b.queueUrl(pollerUrl).waitTimeSeconds(20)
                                .maxNumberOfMessages(1)).messages()) {
                            long sentAt = Long.parseLong(m.body());
                            synchronized (wakeMicros) {
                                wakeMicros.recordValue(Math.max(0, (System.nanoTime() - sentAt) / 1000));
                            }
                            poller.deleteMessage(b -> b.queueUrl(pollerUrl).receiptHandle(m.receiptHandle()));
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(1000); // the polls are waiting
            for (int i = 0; i < messages; i++) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(maxGapMillis + 1));
                long sentAt = System.nanoTime();
                sender.sendMessage(b -> b.queueUrl(senderUrl).messageBody(Long.toString(sentAt)));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (wakeMicros.getTotalCount() < messages && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            running.set(false);
            // Every poll still waiting ends with a message of ours: send one per poller (not counted).
            for (int p = 0; p < pollers; p++) {
                sender.sendMessage(b -> b.queueUrl(senderUrl).messageBody(Long.toString(System.nanoTime())));
            }
            threads.shutdown();
            sender.deleteQueue(b -> b.queueUrl(senderUrl));
        }
        System.out.printf("RESULT cross-node-wake messages=%d received=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
                        + " (from the start of the send to the poller's response)%n", messages,
                Math.min(messages, wakeMicros.getTotalCount()), wakeMicros.getValueAtPercentile(50) / 1000.0,
                wakeMicros.getValueAtPercentile(99) / 1000.0, wakeMicros.getMaxValue() / 1000.0);
        return 0;
    }

    private static SqsClient client(String endpoint) {
        return SqsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(40)).build())
                .build();
    }
}
