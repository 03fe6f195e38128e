package dev.postbox.testkit;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.store.QueueStore.DeleteOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link QueueStore} must do. A store's test extends this class and supplies a fresh store; each test
 * ends by checking the store's own structural invariants.
 */
public abstract class QueueStoreContract {
    protected static final Duration THIRTY_SECONDS = Duration.ofSeconds(30);
    protected final ManualClock clock = new ManualClock();
    protected final QueueKey key = new QueueKey("000000000000", "contract");
    protected QueueStore store;

    /** A new, empty store. */
    protected abstract QueueStore newStore();

    /** Whether the store's internal invariants hold (stores without checkable invariants return true). */
    protected abstract boolean invariantsHold(QueueStore store);

    @BeforeEach
    void createQueue() {
        store = newStore();
        store.createQueue(queue(key, Map.of()));
    }

    @AfterEach
    void checkInvariants() {
        assertThat(invariantsHold(store)).as("store invariants").isTrue();
        store.close();
    }

    protected QueueRecord queue(QueueKey queueKey, Map<String, String> attributes) {
        Map<String, String> all = new java.util.HashMap<>(QueueAttributes.standardDefaults());
        all.putAll(attributes);
        return new QueueRecord(queueKey, 42, false, all, Map.of(), clock.instant(), clock.instant());
    }

    protected NewMessage message(String body, Duration delay) {
        Instant now = clock.instant();
        MessageData data = new MessageData(UUID.randomUUID().toString(), body, "md5", Map.of(), null, Map.of(),
                "sender", now, null, null);
        return new NewMessage(data, now.plus(delay));
    }

    protected void send(String... bodies) {
        for (String body : bodies) {
            store.send(key, List.of(message(body, Duration.ZERO)));
        }
    }

    protected List<Delivery> receive(int max) {
        return store.receive(key, max, THIRTY_SECONDS, clock.instant());
    }

    @Test
    void createIsIdempotentAndReturnsTheStoredQueue() {
        QueueStore.CreateOutcome again = store.createQueue(queue(key, Map.of("DelaySeconds", "5")));
        assertThat(again.created()).isFalse();
        assertThat(again.queue().attributes()).containsEntry("DelaySeconds", "0");
    }

    @Test
    void listsQueuesByPrefixInNameOrder() {
        store.createQueue(queue(new QueueKey("000000000000", "b-queue"), Map.of()));
        store.createQueue(queue(new QueueKey("000000000000", "a-queue"), Map.of()));
        store.createQueue(queue(new QueueKey("111111111111", "a-other"), Map.of()));
        assertThat(store.queues("000000000000", "")).extracting(q -> q.key().name())
                .containsExactly("a-queue", "b-queue", "contract");
        assertThat(store.queues("000000000000", "a")).extracting(q -> q.key().name()).containsExactly("a-queue");
    }

    @Test
    void updatesQueueAttributesAtomically() {
        store.updateQueue(key, q -> q.withTags(Map.of("team", "x")));
        assertThat(store.queue(key)).get().extracting(QueueRecord::tags).isEqualTo(Map.of("team", "x"));
    }

    @Test
    void deletedQueueIsGoneWithItsMessages() {
        send("a");
        assertThat(store.deleteQueue(key)).isTrue();
        assertThat(store.deleteQueue(key)).isFalse();
        assertThat(store.queue(key)).isEmpty();
        assertThatThrownBy(() -> receive(1)).isInstanceOfSatisfying(SqsException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_DOES_NOT_EXIST));
        store.createQueue(queue(key, Map.of()));
        assertThat(receive(10)).isEmpty();
    }

    @Test
    void receivesInSendOrderAndHidesReceivedMessages() {
        send("a", "b", "c");
        List<Delivery> first = receive(2);
        assertThat(first).extracting(d -> d.data().body()).containsExactly("a", "b");
        assertThat(first).allSatisfy(d -> assertThat(d.receiveCount()).isEqualTo(1));
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("c");
        assertThat(receive(10)).isEmpty();
        assertThat(store.counts(key, clock.instant()).inFlight()).isEqualTo(3);
    }

    @Test
    void messageReturnsAfterVisibilityTimeoutWithHigherReceiveCount() {
        send("a");
        Delivery first = receive(1).getFirst();
        clock.advance(THIRTY_SECONDS.minusMillis(1));
        assertThat(receive(1)).isEmpty();
        clock.advance(Duration.ofMillis(1));
        Delivery second = receive(1).getFirst();
        assertThat(second.sequence()).isEqualTo(first.sequence());
        assertThat(second.receiveCount()).isEqualTo(2);
        assertThat(second.firstReceivedAt()).isEqualTo(first.firstReceivedAt());
    }

    @Test
    void zeroVisibilityTimeoutLeavesMessageVisible() {
        send("a");
        assertThat(store.receive(key, 1, Duration.ZERO, clock.instant())).hasSize(1);
        assertThat(store.receive(key, 1, Duration.ZERO, clock.instant())).singleElement()
                .extracting(Delivery::receiveCount).isEqualTo(2);
    }

    @Test
    void deleteNeedsTheLatestReceive() {
        send("a");
        Delivery first = receive(1).getFirst();
        clock.advance(THIRTY_SECONDS);
        Delivery second = receive(1).getFirst();
        assertThat(store.delete(key, first.sequence(), first.receiveCount())).isEqualTo(DeleteOutcome.STALE_RECEIPT);
        assertThat(store.delete(key, second.sequence(), second.receiveCount())).isEqualTo(DeleteOutcome.DELETED);
        assertThat(store.delete(key, second.sequence(), second.receiveCount())).isEqualTo(DeleteOutcome.NOT_FOUND);
        assertThat(store.counts(key, clock.instant()).inFlight()).isZero();
    }

    @Test
    void delayedMessagesBecomeVisibleWhenDue() {
        store.send(key, List.of(message("late", Duration.ofSeconds(10)), message("now", Duration.ZERO)));
        assertThat(store.counts(key, clock.instant()).delayed()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("now");
        clock.advanceSeconds(10);
        assertThat(store.counts(key, clock.instant()).visible()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("late");
    }

    @Test
    void changeVisibilityHidesOrReleases() {
        send("a");
        Delivery delivery = receive(1).getFirst();
        Instant now = clock.instant();
        assertThat(store.changeVisibility(key, delivery.sequence(), 1, now, now)).isTrue();
        assertThat(store.counts(key, now).visible()).isEqualTo(1);
        Delivery again = receive(1).getFirst();
        assertThat(store.changeVisibility(key, again.sequence(), 1, now.plusSeconds(5), now)).isFalse();
        assertThat(store.changeVisibility(key, again.sequence(), 2, now.plusSeconds(100), now)).isTrue();
        clock.advanceSeconds(99);
        assertThat(receive(1)).isEmpty();
        clock.advanceSeconds(1);
        assertThat(receive(1)).hasSize(1);
    }

    @Test
    void changeVisibilityWorksAfterTheTimeoutLapsedIfNotReceivedAgain() {
        send("a");
        Delivery delivery = receive(1).getFirst();
        clock.advance(THIRTY_SECONDS.plusSeconds(1));
        Instant now = clock.instant();
        assertThat(store.changeVisibility(key, delivery.sequence(), 1, now.plusSeconds(60), now)).isTrue();
        assertThat(receive(1)).isEmpty();
    }

    @Test
    void expiredMessagesDisappearEvenInFlight() {
        store.updateQueue(key, q -> q.withAttributes(Map.of("MessageRetentionPeriod", "60", "DelaySeconds", "0",
                "MaximumMessageSize", "1048576", "VisibilityTimeout", "30", "ReceiveMessageWaitTimeSeconds", "0"),
                clock.instant()));
        send("a", "b");
        store.receive(key, 1, Duration.ofSeconds(120), clock.instant());
        clock.advanceSeconds(59);
        send("c");
        assertThat(store.counts(key, clock.instant()).visible()).isEqualTo(2);
        clock.advanceSeconds(1);
        var counts = store.counts(key, clock.instant());
        assertThat(counts.visible() + counts.inFlight()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("c");
    }

    @Test
    void purgeRemovesEverything() {
        send("a", "b");
        receive(1);
        store.send(key, List.of(message("later", Duration.ofSeconds(5))));
        store.purge(key);
        var counts = store.counts(key, clock.instant());
        assertThat(counts.visible() + counts.inFlight() + counts.delayed()).isZero();
    }

    @Test
    void waitingReceiverWakesOnSend() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                store.awaitReceivable(key, Duration.ofSeconds(20), clock.instant());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            returned.countDown();
        });
        Thread.sleep(50);
        send("wake");
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
        waiter.join();
    }

    @Test
    void concurrentReceiversNeverShareAMessage() throws Exception {
        int messages = 2_000;
        for (int i = 0; i < messages; i++) {
            send("m" + i);
        }
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int t = 0; t < 8; t++) {
                pool.submit(() -> {
                    List<Delivery> batch;
                    while (!(batch = receive(10)).isEmpty()) {
                        for (Delivery d : batch) {
                            if (!seen.add(d.sequence())) {
                                duplicates.incrementAndGet();
                            }
                            store.delete(key, d.sequence(), d.receiveCount());
                        }
                    }
                });
            }
        }
        assertThat(duplicates).hasValue(0);
        assertThat(new HashSet<>(seen)).hasSize(messages);
        assertThat(store.counts(key, clock.instant()).inFlight()).isZero();
    }
}
