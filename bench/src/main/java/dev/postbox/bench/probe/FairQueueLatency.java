package dev.postbox.bench.probe;

import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

/**
 * Measures fair-queue behaviour on a standard queue: one tenant floods (batches of 10 from several producers, faster
 * than the consumers drain), a quiet tenant sends one message every 100 ms; consumers long-poll and delete. Prints the
 * receive latency (send to receive) of quiet and noisy messages. Not a test: run it with
 * {@code scripts/measure-fair-queue.sh [seconds]}.
 */
public final class FairQueueLatency {
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        try (PostboxServer server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(),
                Map.of(PostboxConfig.HTTP_PORT, "0", PostboxConfig.STORAGE_KIND, "memory")));
             SqsClient sqs = SqsClient.builder().endpointOverride(URI.create(server.endpoint())).region(Region.US_EAST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                     .httpClient(UrlConnectionHttpClient.create()).build()) {
            String url = sqs.createQueue(b -> b.queueName("fair")).queueUrl();
            List<Long> quiet = Collections.synchronizedList(new ArrayList<>());
            List<Long> noisy = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            for (int p = 0; p < 3; p++) {
                pool.submit(() -> {
                    while (running.get()) {
                        long now = System.nanoTime();
                        sqs.sendMessageBatch(b -> b.queueUrl(url).entries(IntStream.range(0, 10).mapToObj(i ->
                                SendMessageBatchRequestEntry.builder().id("e" + i).messageBody("noisy:" + now)
                                        .messageGroupId("noisy").build()).toList()));
                    }
                });
            }
            pool.submit(() -> {
                int n = 0;
                while (running.get()) {
                    String group = "quiet-" + (n++ % 5);
                    sqs.sendMessage(b -> b.queueUrl(url).messageBody("quiet:" + System.nanoTime()).messageGroupId(group));
                    Thread.sleep(100);
                }
                return null;
            });
            for (int c = 0; c < 2; c++) {
                pool.submit(() -> {
                    while (running.get()) {
                        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                                .waitTimeSeconds(1)).messages();
                        long now = System.nanoTime();
                        for (Message m : messages) {
                            long sentAt = Long.parseLong(m.body().substring(m.body().indexOf(':') + 1));
                            (m.body().startsWith("quiet") ? quiet : noisy).add((now - sentAt) / 1_000_000);
                        }
                        if (!messages.isEmpty()) {
                            sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(messages.stream().map(m ->
                                    DeleteMessageBatchRequestEntry.builder().id(m.messageId())
                                            .receiptHandle(m.receiptHandle()).build()).toList()));
                        }
                    }
                });
            }
            Thread.sleep(seconds * 1000L);
            running.set(false);
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            String backlog = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNamesWithStrings(
                    "ApproximateNumberOfMessages")).attributesAsStrings().get("ApproximateNumberOfMessages");
            System.out.printf("run: %d s, 3 flooding producers (batches of 10), 1 quiet producer (10/s over 5 groups),"
                    + " 2 consumers (receive 10, delete batch)%n", seconds);
            System.out.println("quiet-tenant receive latency: " + summary(quiet));
            System.out.println("noisy-tenant receive latency: " + summary(noisy));
            System.out.println("noisy backlog left at the end: " + backlog + " messages");
        }
    }

    private static String summary(List<Long> latencies) {
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return "no messages";
        }
        return String.format("n=%d p50=%d ms p99=%d ms max=%d ms", sorted.size(), at(sorted, 0.50), at(sorted, 0.99),
                sorted.getLast());
    }

    private static long at(List<Long> sorted, double quantile) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
    }
}
