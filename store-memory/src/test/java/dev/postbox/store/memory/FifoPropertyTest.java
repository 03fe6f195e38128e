package dev.postbox.store.memory;

import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.service.QueueService;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.ChangeMessageVisibility;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteMessage;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.SendMessage;
import dev.postbox.testkit.ManualClock;
import org.junit.jupiter.api.RepeatedTest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FIFO under concurrency: producers (one per group, so each group has a defined order) and consumers run at the same
 * time in rounds; between rounds the harness deletes, releases or keeps what each consumer holds and moves the clock
 * by a random amount, so visibility timeouts expire at random. Checked on every delivery:
 * <ul>
 *   <li>no message is delivered while another consumer still holds it (its visibility has not expired);</li>
 *   <li>per-group order: a message is delivered only when every earlier message of its group is deleted or comes
 *       before it in the same receive;</li>
 *   <li>group lock: no message of a group is delivered while an earlier message of the group is in flight (AWS
 *       serves a group again once its first message is visible, even while later ones are in flight);</li>
 * </ul>
 * and at the end every sent message was deleted exactly once.
 */
class FifoPropertyTest {
    private static final int GROUPS = 6;
    private static final int CONSUMERS = 5;
    private static final int ROUNDS = 150;

    private record Held(String messageId, String handle, Instant expiresAt) {
    }

    @RepeatedTest(3)
    void perGroupOrderHoldsAndNoMessageIsHeldTwice() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        ManualClock clock = new ManualClock();
        QueueService service = new QueueService(new InMemoryQueueStore(), clock, new ReceiptHandles(new byte[32]),
                QueueService.Settings.defaults());
        CallContext call = new CallContext("http://localhost", "tester", "us-east-1", clock.waitsOnVirtualThreads());
        String url = service.createQueue(call, new CreateQueue.Request("property.fifo",
                Map.of("FifoQueue", "true", "ContentBasedDeduplication", "false"), Map.of())).join().queueUrl();

        Map<String, Integer> sentPerGroup = new HashMap<>();
        Set<String> sent = new HashSet<>();
        Set<String> deleted = new HashSet<>();
        Map<String, Held> holders = new HashMap<>(); // body -> current holder
        int[] nextDedup = {0};

        try (ExecutorService pool = Executors.newFixedThreadPool(GROUPS + CONSUMERS)) {
            for (int round = 0; round < ROUNDS; round++) {
                List<Callable<List<ReceiveMessage.Message>>> work = new ArrayList<>();
                for (int g = 0; g < GROUPS; g++) {
                    String group = "g" + g;
                    int count = random.nextInt(3);
                    int start = sentPerGroup.getOrDefault(group, 0);
                    sentPerGroup.put(group, start + count);
                    int dedupBase = nextDedup[0];
                    nextDedup[0] += count;
                    work.add(() -> {
                        for (int i = 0; i < count; i++) {
                            service.sendMessage(call, new SendMessage.Request(url, group + ":" + (start + i), null,
                                    null, null, "d" + (dedupBase + i), group)).join();
                        }
                        return List.of();
                    });
                    for (int i = 0; i < count; i++) {
                        sent.add(group + ":" + (start + i));
                    }
                }
                List<Integer> visibilities = new ArrayList<>();
                for (int c = 0; c < CONSUMERS; c++) {
                    int max = 1 + random.nextInt(10);
                    int visibility = 1 + random.nextInt(40);
                    visibilities.add(visibility);
                    work.add(() -> service.receiveMessage(call, new ReceiveMessage.Request(url, null, null, max,
                            visibility, 0, null)).join().messages());
                }
                List<Future<List<ReceiveMessage.Message>>> results = pool.invokeAll(work);
                Instant now = clock.instant();
                List<Held> heldThisRound = new ArrayList<>();
                for (int c = 0; c < CONSUMERS; c++) {
                    List<ReceiveMessage.Message> batch = results.get(GROUPS + c).get();
                    Set<String> earlierInBatch = new HashSet<>();
                    for (ReceiveMessage.Message message : batch) {
                        String body = message.body();
                        Held previous = holders.get(body);
                        assertThat(previous == null || !previous.expiresAt().isAfter(now))
                                .as("seed %d: %s delivered while still held", seed, body).isTrue();
                        assertThat(deleted).as("seed %d: %s delivered after its delete", seed, body)
                                .doesNotContain(body);
                        String group = body.substring(0, body.indexOf(':'));
                        int index = Integer.parseInt(body.substring(body.indexOf(':') + 1));
                        for (int earlier = 0; earlier < index; earlier++) {
                            String predecessor = group + ":" + earlier;
                            assertThat(deleted.contains(predecessor) || earlierInBatch.contains(predecessor))
                                    .as("seed %d: %s delivered before %s was done", seed, body, predecessor).isTrue();
                        }
                        for (Held other : holders.values()) {
                            String otherId = other.messageId();
                            boolean earlierOfGroup = otherId.startsWith(group + ":")
                                    && Integer.parseInt(otherId.substring(otherId.indexOf(':') + 1)) < index;
                            assertThat(earlierOfGroup && other.expiresAt().isAfter(now)
                                    && !earlierInBatch.contains(other.messageId()) && !other.messageId().equals(body))
                                    .as("seed %d: %s delivered while %s of its group is in flight", seed, body,
                                            other.messageId()).isFalse();
                        }
                        earlierInBatch.add(body);
                        Held held = new Held(body, message.receiptHandle(), now.plusSeconds(visibilities.get(c)));
                        holders.put(body, held);
                        heldThisRound.add(held);
                    }
                }
                for (Held held : heldThisRound) {
                    int choice = random.nextInt(10);
                    if (choice < 6) {
                        service.deleteMessage(call, new DeleteMessage.Request(url, held.handle())).join();
                        deleted.add(held.messageId());
                        holders.remove(held.messageId());
                    } else if (choice < 7) {
                        service.changeMessageVisibility(call,
                                new ChangeMessageVisibility.Request(url, held.handle(), 0)).join();
                        holders.remove(held.messageId());
                    }
                }
                clock.advanceSeconds(random.nextInt(46));
            }
        }
        // Drain: everything not yet deleted must still come, in group order, and be deletable.
        clock.advanceSeconds(60);
        for (int attempt = 0; attempt < 10_000 && deleted.size() < sent.size(); attempt++) {
            for (ReceiveMessage.Message message : service.receiveMessage(call, new ReceiveMessage.Request(url, null,
                    null, 10, 30, 0, null)).join().messages()) {
                assertThat(deleted.add(message.body())).as("seed %d: %s delivered after delete", seed, message.body())
                        .isTrue();
                service.deleteMessage(call, new DeleteMessage.Request(url, message.receiptHandle())).join();
            }
        }
        assertThat(deleted).as("seed %d", seed).isEqualTo(sent);
        service.close();
    }
}
