package dev.postbox.it;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * The work of a crash test and what it checks: producers on a standard queue (batches of 5) and a FIFO queue (one
 * message at a time, resent under the same deduplication id until acknowledged), consumers receiving 10 with a 5 s
 * visibility timeout and deleting in batches. It records every acknowledged send, delivery and delete, and finds:
 * <ul>
 *   <li>acknowledged sends never delivered ({@link #missing});</li>
 *   <li>a message delivered by a receive that started after its delete was acknowledged;</li>
 *   <li>a message delivered again before the visibility timeout of its previous delivery could have ended (where
 *       visibility survives crashes);</li>
 *   <li>FIFO: a message of a group delivered by a receive that ended before a delete of every earlier
 *       (acknowledged) message of its group was issued (a long poll may rightly deliver it after a delete issued
 *       while it waited).</li>
 * </ul>
 */
final class CrashWorkload {
    static final int FIFO_GROUPS = 4;
    static final int VISIBILITY_SECONDS = 5;

    /**
     * Whether a delivery's visibility timeout survives a crash: the postgres store commits it with the receive; the
     * embedded store writes it best effort (docs/durability.md), so a crash may show a message again early.
     */
    private final boolean visibilitySurvivesCrashes;

    CrashWorkload(boolean visibilitySurvivesCrashes) {
        this.visibilitySurvivesCrashes = visibilitySurvivesCrashes;
    }

    final Set<String> ackedSends = ConcurrentHashMap.newKeySet();
    final Map<String, Long> deleteAckedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> deleteIssuedAt = new ConcurrentHashMap<>();
    final Set<String> delivered = ConcurrentHashMap.newKeySet();
    /** When the receive that last delivered each message started. */
    private final Map<String, Long> lastReceiveStartedAt = new ConcurrentHashMap<>();
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong standardCounter = new AtomicLong();
    private final long[] fifoCounters = new long[FIFO_GROUPS];

    /** Acknowledged sends not delivered (yet). */
    Set<String> missing() {
        Set<String> missing = new TreeSet<>(ackedSends);
        missing.removeAll(delivered);
        return missing;
    }

    void produceStandard(SqsClient sqs, String url, AtomicBoolean running) {
        while (running.get()) {
            List<String> bodies = IntStream.range(0, 5).mapToObj(i -> "s-" + standardCounter.incrementAndGet()).toList();
            try {
                var response = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(IntStream.range(0, bodies.size())
                        .mapToObj(i -> SendMessageBatchRequestEntry.builder().id("e" + i).messageBody(bodies.get(i))
                                .build()).toList()));
                response.successful().forEach(s -> ackedSends.add(bodies.get(Integer.parseInt(s.id().substring(1)))));
            } catch (RuntimeException e) {
                pause();
            }
        }
    }

    void produceFifo(SqsClient sqs, String url, AtomicBoolean running) {
        Random random = new Random();
        while (running.get()) {
            int group = random.nextInt(FIFO_GROUPS);
            String body = "f-" + group + "-" + fifoCounters[group];
            try {
                sqs.sendMessage(b -> b.queueUrl(url).messageBody(body).messageGroupId("g" + group)
                        .messageDeduplicationId(body));
                ackedSends.add(body);
                fifoCounters[group]++;
            } catch (RuntimeException e) {
                // Unknown outcome: resend the same body (same deduplication id) until it is acknowledged,
                // so each group's acknowledged messages are numbered without gaps.
                pause();
            }
        }
    }

    void consume(SqsClient sqs, String url, AtomicBoolean running, boolean fifo) {
        while (running.get()) {
            try {
                receiveAndDelete(sqs, url, fifo, 1);
            } catch (RuntimeException e) {
                pause();
            }
        }
    }

    /** One receive, checked, then a delete batch; returns how many messages came. */
    int receiveAndDelete(SqsClient sqs, String url, boolean fifo, int waitSeconds) {
        long receiveStarted = System.nanoTime();
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                .visibilityTimeout(VISIBILITY_SECONDS).waitTimeSeconds(waitSeconds)).messages();
        long receiveEnded = System.nanoTime();
        for (Message m : messages) {
            Long previous = lastReceiveStartedAt.put(m.body(), receiveStarted);
            boolean tooSoon = previous != null
                    && receiveEnded < previous + Duration.ofSeconds(VISIBILITY_SECONDS).toNanos();
            if (visibilitySurvivesCrashes && tooSoon) {
                violations.add(m.body() + " delivered again within the visibility timeout of its last delivery");
            }
            Long ackedAt = deleteAckedAt.get(m.body());
            if (ackedAt != null && ackedAt < receiveStarted) {
                violations.add(m.body() + " delivered after its delete was acknowledged");
            }
            if (fifo) {
                String[] parts = m.body().split("-");
                int group = Integer.parseInt(parts[1]);
                long index = Long.parseLong(parts[2]);
                for (long earlier = 0; earlier < index; earlier++) {
                    String predecessor = "f-" + group + "-" + earlier;
                    Long issued = deleteIssuedAt.get(predecessor);
                    boolean inThisBatch = messages.stream().anyMatch(x -> x.body().equals(predecessor));
                    boolean deleteIssued = issued != null && issued <= receiveEnded;
                    if (ackedSends.contains(predecessor) && !inThisBatch && !deleteIssued) {
                        violations.add(m.body() + " delivered before " + predecessor + " was deleted");
                    }
                }
            }
            delivered.add(m.body());
        }
        if (!messages.isEmpty()) {
            long issued = System.nanoTime();
            messages.forEach(m -> deleteIssuedAt.putIfAbsent(m.body(), issued));
            DeleteMessageBatchResponse response = sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(
                    IntStream.range(0, messages.size()).mapToObj(i -> DeleteMessageBatchRequestEntry.builder()
                            .id("d" + i).receiptHandle(messages.get(i).receiptHandle()).build()).toList()));
            long acked = System.nanoTime();
            response.successful().forEach(s ->
                    deleteAckedAt.putIfAbsent(messages.get(Integer.parseInt(s.id().substring(1))).body(), acked));
        }
        return messages.size();
    }

    void drain(SqsClient sqs, String url, boolean fifo) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int emptyInARow = 0;
        while (emptyInARow < 3 && System.nanoTime() < deadline) {
            emptyInARow = receiveAndDelete(sqs, url, fifo, 1) == 0 ? emptyInARow + 1 : 0;
            if (emptyInARow > 0) {
                Thread.sleep(2000); // let visibility timeouts of messages received before the crash run out
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
