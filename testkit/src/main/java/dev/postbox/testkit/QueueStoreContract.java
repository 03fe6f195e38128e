package dev.postbox.testkit;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.Waits;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link QueueStore} must do. A store's test extends this class and supplies a fresh store; each test
 * ends by checking the store's own structural invariants.
 */
public abstract class QueueStoreContract {
    protected static final Duration THIRTY_SECONDS = Duration.ofSeconds(30);
    /** Incarnations are unique per queue (stores key their data by it). */
    private static final AtomicLong INCARNATIONS = new AtomicLong(System.nanoTime());
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
        return new QueueRecord(queueKey, INCARNATIONS.incrementAndGet(), false, all, Map.of(), clock.instant(),
                clock.instant());
    }

    protected NewMessage message(String body, Duration delay) {
        return message(body, delay, null, null);
    }

    protected NewMessage message(String body, Duration delay, String groupId, String deduplicationId) {
        Instant now = clock.instant();
        MessageData data = new MessageData(UUID.randomUUID().toString(), body, "md5", Map.of(), null, Map.of(),
                "sender", now, groupId, deduplicationId, null);
        return NewMessage.sent(data, now.plus(delay));
    }

    protected void send(String... bodies) {
        for (String body : bodies) {
            QueueStore.await(store.send(key, List.of(message(body, Duration.ZERO)), clock.instant()));
        }
    }

    protected List<Delivery> receive(int max) {
        return receive(key, max);
    }

    protected List<Delivery> receive(QueueKey queue, int max) {
        return store.receive(queue, max, THIRTY_SECONDS, clock.instant(), null);
    }

    protected DeleteOutcome delete(QueueKey queue, Delivery delivery) {
        return QueueStore.await(store.delete(queue, delivery.sequence(), delivery.receiveCount(), clock.instant()));
    }

    protected QueueKey createFifoQueue(String name, Map<String, String> attributes) {
        QueueKey fifoKey = new QueueKey("000000000000", name);
        Map<String, String> all = new java.util.HashMap<>(QueueAttributes.fifoDefaults());
        all.putAll(attributes);
        store.createQueue(new QueueRecord(fifoKey, INCARNATIONS.incrementAndGet(), true, all, Map.of(),
                clock.instant(), clock.instant()));
        return fifoKey;
    }

    protected void sendTo(QueueKey queue, String body, String groupId, String deduplicationId) {
        QueueStore.await(store.send(queue, List.of(message(body, Duration.ZERO, groupId, deduplicationId)), clock.instant()));
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
        assertThat(store.receive(key, 1, Duration.ZERO, clock.instant(), null)).hasSize(1);
        assertThat(store.receive(key, 1, Duration.ZERO, clock.instant(), null)).singleElement()
                .extracting(Delivery::receiveCount).isEqualTo(2);
    }

    @Test
    void deleteNeedsTheLatestReceive() {
        send("a");
        Delivery first = receive(1).getFirst();
        clock.advance(THIRTY_SECONDS);
        Delivery second = receive(1).getFirst();
        assertThat(delete(key, first)).isEqualTo(DeleteOutcome.STALE_RECEIPT);
        assertThat(delete(key, second)).isEqualTo(DeleteOutcome.DELETED);
        assertThat(delete(key, second)).isEqualTo(DeleteOutcome.NOT_FOUND);
        assertThat(store.counts(key, clock.instant()).inFlight()).isZero();
    }

    @Test
    void delayedMessagesBecomeVisibleWhenDue() {
        QueueStore.await(store.send(key, List.of(message("late", Duration.ofSeconds(10)), message("now", Duration.ZERO)),
                clock.instant()));
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
        store.receive(key, 1, Duration.ofSeconds(120), clock.instant(), null);
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
        QueueStore.await(store.send(key, List.of(message("later", Duration.ofSeconds(5))), clock.instant()));
        store.purge(key);
        var counts = store.counts(key, clock.instant());
        assertThat(counts.visible() + counts.inFlight() + counts.delayed()).isZero();
    }

    // ---- fair queues (standard) --------------------------------------------------------------------------------

    @Test
    void aFloodingTenantDoesNotStarveAQuietOne() {
        for (int i = 0; i < 1000; i++) {
            QueueStore.await(store.send(key, List.of(message("noisy-" + i, Duration.ZERO, "noisy", null)), clock.instant()));
        }
        QueueStore.await(store.send(key, List.of(message("quiet", Duration.ZERO, "quiet", null)), clock.instant()));
        assertThat(receive(10)).extracting(d -> d.data().body()).contains("quiet");
    }

    // ---- FIFO --------------------------------------------------------------------------------------------------

    @Test
    void fifoKeepsGroupOrderAndLocksAGroupWhileAMessageIsInFlight() {
        QueueKey fifo = createFifoQueue("order.fifo", Map.of());
        sendTo(fifo, "a1", "a", "d-a1");
        sendTo(fifo, "b1", "b", "d-b1");
        sendTo(fifo, "a2", "a", "d-a2");
        sendTo(fifo, "a3", "a", "d-a3");
        List<Delivery> first = store.receive(fifo, 2, THIRTY_SECONDS, clock.instant(), null);
        assertThat(first).extracting(d -> d.data().body()).containsExactly("a1", "a2");
        List<Delivery> second = receive(fifo, 10);
        assertThat(second).extracting(d -> d.data().body()).containsExactly("b1");
        assertThat(receive(fifo, 10)).as("both groups locked").isEmpty();
        assertThat(delete(fifo, first.get(0))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(receive(fifo, 10)).as("a2 still in flight").isEmpty();
        clock.advance(THIRTY_SECONDS);
        assertThat(delete(fifo, first.get(1))).as("handle expired").isEqualTo(DeleteOutcome.EXPIRED);
        // Groups are served oldest head first: b1 was sent before a2.
        assertThat(receive(fifo, 10)).extracting(d -> d.data().body()).containsExactly("b1", "a2", "a3");
    }

    @Test
    void fifoDeduplicatesWithinFiveMinutesPerScope() {
        QueueKey fifo = createFifoQueue("dedup.fifo", Map.of());
        List<QueueStore.Sent> first = QueueStore.await(store.send(fifo, List.of(message("x", Duration.ZERO, "g1", "same")),
                clock.instant()));
        List<QueueStore.Sent> again = QueueStore.await(store.send(fifo, List.of(message("y", Duration.ZERO, "g2", "same")),
                clock.instant()));
        assertThat(again.getFirst().duplicate()).isTrue();
        assertThat(again.getFirst().messageId()).isEqualTo(first.getFirst().messageId());
        assertThat(again.getFirst().sequenceNumber()).isEqualTo(first.getFirst().sequenceNumber());
        clock.advance(Duration.ofMinutes(5));
        assertThat(QueueStore.await(store.send(fifo, List.of(message("z", Duration.ZERO, "g1", "same")), clock.instant()))
                .getFirst().duplicate()).isFalse();

        QueueKey perGroup = createFifoQueue("group-dedup.fifo", Map.of("DeduplicationScope", "messageGroup"));
        sendTo(perGroup, "x", "g1", "same");
        assertThat(QueueStore.await(store.send(perGroup, List.of(message("y", Duration.ZERO, "g2", "same")), clock.instant()))
                .getFirst().duplicate()).as("another group, another scope").isFalse();
        assertThat(QueueStore.await(store.send(perGroup, List.of(message("y", Duration.ZERO, "g1", "same")), clock.instant()))
                .getFirst().duplicate()).isTrue();
    }

    @Test
    void fifoSequenceNumbersGrowAnd20DigitsLong() {
        QueueKey fifo = createFifoQueue("seq.fifo", Map.of());
        List<QueueStore.Sent> sent = QueueStore.await(store.send(fifo, List.of(message("1", Duration.ZERO, "g", "1"),
                message("2", Duration.ZERO, "g", "2"), message("3", Duration.ZERO, "h", "3")), clock.instant()));
        assertThat(sent).allSatisfy(s -> assertThat(s.sequenceNumber()).hasSize(20).containsOnlyDigits());
        assertThat(new java.math.BigInteger(sent.get(1).sequenceNumber()))
                .isGreaterThan(new java.math.BigInteger(sent.get(0).sequenceNumber()));
        assertThat(receive(fifo, 1).getFirst().sequenceNumber()).isEqualTo(sent.get(0).sequenceNumber());
    }

    @Test
    void fifoVisibilityZeroReleasesTheGroupAtOnce() {
        QueueKey fifo = createFifoQueue("release.fifo", Map.of());
        sendTo(fifo, "a1", "a", "1");
        sendTo(fifo, "a2", "a", "2");
        Delivery a1 = receive(fifo, 1).getFirst();
        assertThat(receive(fifo, 1)).isEmpty();
        Instant now = clock.instant();
        assertThat(store.changeVisibility(fifo, a1.sequence(), a1.receiveCount(), now, now)).isTrue();
        assertThat(receive(fifo, 1)).extracting(d -> d.data().body()).containsExactly("a1");
    }

    // ---- dead-letter queues ------------------------------------------------------------------------------------

    @Test
    void aMessageReceivedTooOftenMovesToTheDeadLetterQueue() {
        QueueKey dlq = new QueueKey("000000000000", "dlq");
        store.createQueue(queue(dlq, Map.of()));
        QueueStore.Redrive redrive = new QueueStore.Redrive(2, dlq, "arn:aws:sqs:us-east-1:000000000000:contract");
        send("poison");
        Instant sentAt = clock.instant();
        for (int i = 1; i <= 2; i++) {
            List<Delivery> got = store.receive(key, 10, THIRTY_SECONDS, clock.instant(), redrive);
            assertThat(got).singleElement().extracting(Delivery::receiveCount).isEqualTo(i);
            clock.advance(THIRTY_SECONDS);
        }
        assertThat(store.receive(key, 10, THIRTY_SECONDS, clock.instant(), redrive)).isEmpty();
        Delivery moved = receive(dlq, 10).getFirst();
        assertThat(moved.data().body()).isEqualTo("poison");
        assertThat(moved.data().deadLetterQueueSourceArn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:contract");
        assertThat(moved.data().sentAt()).isEqualTo(sentAt);
        assertThat(moved.receiveCount()).isEqualTo(3);
        var counts = store.counts(key, clock.instant());
        assertThat(counts.visible() + counts.inFlight()).isZero();
    }

    /** A long poll waiting on the queue for up to 20 s; {@code returned} counts down each time it is woken. */
    private void waitingPoll(CountDownLatch returned) {
        store.whenReceivable(key, Duration.ofSeconds(20), clock.instant(), Waits.SHARED_TIMER, returned::countDown);
    }

    @Test
    void waitingReceiverWakesOnSend() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned);
        assertThat(returned.await(100, TimeUnit.MILLISECONDS)).as("waits while the queue is empty").isFalse();
        send("wake");
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aWaitEndsOnceWhenItsTimePassesAndAtOnceWhenAMessageIsReceivable() throws Exception {
        AtomicInteger wakes = new AtomicInteger();
        CountDownLatch returned = new CountDownLatch(1);
        store.whenReceivable(key, Duration.ofMillis(200), clock.instant(), Waits.SHARED_TIMER, () -> {
            wakes.incrementAndGet();
            returned.countDown();
        });
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken when the wait passed").isTrue();
        send("later");
        Thread.sleep(100);
        assertThat(wakes).as("a waiter runs once: the send after its time found no one").hasValue(1);
        CountDownLatch immediate = new CountDownLatch(1);
        store.whenReceivable(key, Duration.ofSeconds(20), clock.instant(), Waits.SHARED_TIMER,
                immediate::countDown);
        assertThat(immediate.getCount()).as("a message is receivable: woken before returning").isZero();
    }

    @Test
    void theCallersTimerEndsTheWait() throws Exception {
        ScheduledExecutorService callersTimer = Executors.newSingleThreadScheduledExecutor(
                task -> new Thread(task, "callers-timer"));
        try {
            CompletableFuture<String> endedOn = new CompletableFuture<>();
            store.whenReceivable(key, Duration.ofMillis(50), clock.instant(), callersTimer,
                    () -> endedOn.complete(Thread.currentThread().getName()));
            assertThat(endedOn.get(5, TimeUnit.SECONDS)).isEqualTo("callers-timer");
        } finally {
            callersTimer.shutdownNow();
        }
    }

    @Test
    void wakingAllWaitersEndsEveryWait() throws Exception {
        CountDownLatch returned = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            waitingPoll(returned);
        }
        store.wakeAllWaiters();
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void waitingReceiverWakesWhenAnInFlightMessageBecomesVisibleAgain() throws Exception {
        send("comes back");
        assertThat(store.receive(key, 1, Duration.ofSeconds(1), clock.instant(), null)).hasSize(1);
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned); // starts while the message is in flight; nothing touches the queue
        clock.advance(Duration.ofSeconds(1));
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken when the visibility timeout ended").isTrue();
        assertThat(receive(1)).extracting(d -> d.data().body()).containsExactly("comes back");
    }

    @Test
    void waitingReceiverWakesWhenAMessageDelayedDuringTheWaitBecomesVisible() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned);
        QueueStore.await(store.send(key, List.of(message("delayed", Duration.ofSeconds(1))), clock.instant()));
        assertThat(returned.await(300, TimeUnit.MILLISECONDS)).as("not woken while the message is delayed").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken when the delay ended").isTrue();
        assertThat(receive(1)).extracting(d -> d.data().body()).containsExactly("delayed");
    }

    /** Each poller does what a long-polling ReceiveMessage does: receive, else wait, until it got a message. */
    private void everyWaitingPollerGetsAMessage(QueueKey queue, Runnable sendAll, int pollers) throws Exception {
        CountDownLatch served = new CountDownLatch(pollers);
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < pollers; p++) {
                pool.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (System.nanoTime() < deadline) {
                        List<Delivery> got = store.receive(queue, 1, THIRTY_SECONDS, clock.instant(), null);
                        if (!got.isEmpty()) {
                            seen.add(got.get(0).sequence());
                            served.countDown();
                            return null;
                        }
                        CountDownLatch woken = new CountDownLatch(1);
                        store.whenReceivable(queue, Duration.ofSeconds(20), clock.instant(),
                                Waits.SHARED_TIMER, woken::countDown);
                        woken.await();
                    }
                    return null;
                });
            }
            Thread.sleep(100);
            sendAll.run();
            assertThat(served.await(5, TimeUnit.SECONDS)).as("every poller served, none left waiting").isTrue();
        }
        assertThat(seen).hasSize(pollers);
    }

    @Test
    void aBatchSentToManyWaitersWakesEnoughOfThem() throws Exception {
        int pollers = 50;
        everyWaitingPollerGetsAMessage(key, () -> QueueStore.await(store.send(key, java.util.stream.IntStream.range(0, pollers)
                .mapToObj(i -> message("m" + i, Duration.ZERO)).toList(), clock.instant())), pollers);
    }

    @Test
    void fifoMessagesInManyGroupsReachEveryWaiter() throws Exception {
        QueueKey fifo = createFifoQueue("waiters.fifo", Map.of());
        int groups = 20;
        everyWaitingPollerGetsAMessage(fifo, () -> QueueStore.await(store.send(fifo, java.util.stream.IntStream.range(0, groups)
                .mapToObj(i -> message("m" + i, Duration.ZERO, "g" + i, "d" + i)).toList(), clock.instant())), groups);
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
                            delete(key, d);
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
