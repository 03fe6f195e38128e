package dev.postbox.testkit;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.store.QueueStore.DeleteOutcome;
import dev.postbox.core.time.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
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
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link QueueStore} must do. A store's test extends this class and supplies a fresh store; each test
 * ends by checking the store's own structural invariants.
 */
public abstract class QueueStoreContract {
    protected static final Duration THIRTY_SECONDS = Duration.ofSeconds(30);
    /** The name-reuse and purge windows the contract uses (the service's default, AWS's 60 s). */
    protected static final Duration WINDOW = Duration.ofSeconds(60);
    /** Incarnations are unique per queue (stores key their data by it). */
    private static final AtomicLong INCARNATIONS = new AtomicLong(System.nanoTime());
    protected final ManualClock clock = new ManualClock();
    protected final QueueKey key = new QueueKey("us-east-1", "000000000000", "contract");
    /** Runs what the clock's timers hand over (a long poll's deadline, a queue's alarm). */
    private final ScheduledExecutorService timerThread = Executors.newSingleThreadScheduledExecutor(
            task -> new Thread(task, "contract-timer"));
    /** Deadlines and alarms on the manual clock: they come when a test advances it, not in real time. */
    protected final Timer timer = clock.timerOn(timerThread);
    protected QueueStore store;

    /** A new, empty store. */
    protected abstract QueueStore newStore();

    /** Whether the store's internal invariants hold (stores without checkable invariants return true). */
    protected abstract boolean invariantsHold(QueueStore store);

    @BeforeEach
    void createQueue() {
        store = newStore();
        create(queue(key, Map.of()));
    }

    @AfterEach
    void checkInvariants() {
        assertThat(invariantsHold(store)).as("store invariants").isTrue();
        store.close();
        timerThread.shutdownNow();
    }

    /** A store's future, awaited: its result, or the exception (an SqsException, say) it failed with. */
    protected static <T> T await(CompletableFuture<T> pending) {
        return QueueStore.await(pending);
    }

    protected QueueRecord queue(QueueKey queueKey, Map<String, String> attributes) {
        Map<String, String> all = new java.util.HashMap<>(QueueAttributes.standardDefaults());
        all.putAll(attributes);
        return new QueueRecord(queueKey, INCARNATIONS.incrementAndGet(), false, all, Map.of(), clock.instant(),
                clock.instant());
    }

    /** Creates the queue with the name-reuse window of {@link #WINDOW}. */
    protected QueueStore.CreateOutcome create(QueueRecord queue) {
        return await(store.createQueue(queue, clock.instant().minus(WINDOW)));
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

    protected List<QueueStore.Sent> send(QueueKey queue, NewMessage... messages) {
        return await(store.send(queue, List.of(messages), clock.instant()));
    }

    protected void send(String... bodies) {
        for (String body : bodies) {
            send(key, message(body, Duration.ZERO));
        }
    }

    protected List<Delivery> receive(int max) {
        return receive(key, max);
    }

    protected List<Delivery> receive(QueueKey queue, int max) {
        return receive(queue, max, THIRTY_SECONDS, null, null);
    }

    protected List<Delivery> receive(QueueKey queue, int max, Duration visibilityTimeout, QueueStore.Redrive redrive,
                                     String attemptId) {
        return await(store.receive(queue, new QueueStore.Receive(max, visibilityTimeout, redrive, attemptId),
                clock.instant()));
    }

    protected DeleteOutcome delete(QueueKey queue, Delivery delivery) {
        return await(store.delete(queue, delivery.sequence(), delivery.receiveCount(), clock.instant()));
    }

    protected boolean changeVisibility(QueueKey queue, Delivery delivery, Instant visibleAt) {
        return await(store.changeVisibility(queue, delivery.sequence(), delivery.receiveCount(), visibleAt,
                clock.instant()));
    }

    protected QueueCounts counts(QueueKey queue) {
        return await(store.counts(queue, clock.instant()));
    }

    /** Purges with the purge window of {@link #WINDOW}; whether it did. */
    protected boolean purge(QueueKey queue) {
        return await(store.purge(queue, clock.instant(), clock.instant().minus(WINDOW)));
    }

    protected QueueKey createFifoQueue(String name, Map<String, String> attributes) {
        QueueKey fifoKey = new QueueKey("us-east-1", "000000000000", name);
        Map<String, String> all = new java.util.HashMap<>(QueueAttributes.fifoDefaults());
        all.putAll(attributes);
        create(new QueueRecord(fifoKey, INCARNATIONS.incrementAndGet(), true, all, Map.of(), clock.instant(),
                clock.instant()));
        return fifoKey;
    }

    protected void sendTo(QueueKey queue, String body, String groupId, String deduplicationId) {
        send(queue, message(body, Duration.ZERO, groupId, deduplicationId));
    }

    /** A long poll that waits until {@code deadline} on the manual clock; it counts down when woken. */
    protected void waitUntil(QueueKey queue, Instant deadline, Runnable wake) {
        store.whenReceivable(queue, deadline, clock.instant(), timer, wake);
    }

    @Test
    void createIsIdempotentAndReturnsTheStoredQueue() {
        QueueStore.CreateOutcome again = create(queue(key, Map.of("DelaySeconds", "5")));
        assertThat(again.status()).isEqualTo(QueueStore.CreateOutcome.Status.EXISTS);
        assertThat(again.queue().attributes()).containsEntry("DelaySeconds", "0");
    }

    @Test
    void listsQueuesByPrefixInNameOrder() {
        create(queue(new QueueKey("us-east-1", "000000000000", "b-queue"), Map.of()));
        create(queue(new QueueKey("us-east-1", "000000000000", "a-queue"), Map.of()));
        create(queue(new QueueKey("us-east-1", "111111111111", "a-other"), Map.of()));
        assertThat(await(store.queues("us-east-1", "000000000000", ""))).extracting(q -> q.key().name())
                .containsExactly("a-queue", "b-queue", "contract");
        assertThat(await(store.queues("us-east-1", "000000000000", "a"))).extracting(q -> q.key().name())
                .containsExactly("a-queue");
    }

    @Test
    void listsEveryQueueOfEveryAccountAndRegion() {
        QueueKey other = new QueueKey("eu-west-1", "111111111111", "elsewhere");
        create(queue(other, Map.of()));
        assertThat(await(store.allQueues())).extracting(QueueRecord::key).containsExactlyInAnyOrder(key, other);
    }

    @Test
    void countsKnowWhenTheOldestMessageWasSent() {
        assertThat(counts(key).oldestRetainedFrom()).isNull();
        Instant first = clock.instant();
        send("first");
        clock.advanceSeconds(5);
        send(key, message("delayed", Duration.ofSeconds(30)));
        assertThat(counts(key).oldestRetainedFrom()).isEqualTo(first);
        Delivery received = receive(1).getFirst();
        assertThat(counts(key).oldestRetainedFrom()).as("in flight counts").isEqualTo(first);
        delete(key, received);
        assertThat(counts(key).oldestRetainedFrom()).isEqualTo(first.plusSeconds(5));
    }

    @Test
    void aPeekShowsMessagesAsTheyAreAndChangesNothing() {
        send("a");
        send(key, message("b", Duration.ofSeconds(30)));
        send("c");
        Delivery a = receive(1).getFirst();
        QueueCounts before = counts(key);
        List<PeekedMessage> seen = await(store.peek(key, 0, 10, clock.instant()));
        assertThat(seen).extracting(m -> m.data().body()).containsExactly("a", "b", "c");
        assertThat(seen).extracting(PeekedMessage::state).containsExactly(PeekedMessage.State.IN_FLIGHT,
                PeekedMessage.State.DELAYED, PeekedMessage.State.VISIBLE);
        assertThat(seen).extracting(PeekedMessage::receiveCount).containsExactly(1, 0, 0);
        assertThat(seen.getFirst().visibleAt()).isEqualTo(clock.instant().plus(THIRTY_SECONDS));
        assertThat(counts(key)).isEqualTo(before);
        assertThat(await(store.peek(key, seen.getFirst().sequence(), 1, clock.instant())))
                .extracting(m -> m.data().body()).containsExactly("b");
        assertThat(receive(10)).extracting(d -> d.data().body()).as("the peek took nothing").containsExactly("c");
        clock.advance(THIRTY_SECONDS);
        assertThat(receive(10)).extracting(d -> d.data().body(), Delivery::receiveCount)
                .containsExactlyInAnyOrder(tuple("a", 2), tuple("b", 1), tuple("c", 2));
        assertThat(a.receiveCount()).isEqualTo(1);
        assertThatThrownBy(() -> await(store.peek(new QueueKey("us-east-1", "000000000000", "none"), 0, 10,
                clock.instant()))).isInstanceOfSatisfying(SqsException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_DOES_NOT_EXIST));
    }

    @Test
    void keepsRegionsApart() {
        QueueKey elsewhere = new QueueKey("eu-west-1", key.accountId(), key.name());
        assertThat(create(queue(elsewhere, Map.of("DelaySeconds", "5"))).status())
                .isEqualTo(QueueStore.CreateOutcome.Status.CREATED);
        send(elsewhere, message("in eu-west-1", Duration.ZERO));
        assertThat(await(store.queues("eu-west-1", key.accountId(), ""))).extracting(QueueRecord::key)
                .containsExactly(elsewhere);
        assertThat(await(store.queue(key))).get().extracting(q -> q.attributes().get("DelaySeconds"))
                .isNotEqualTo("5");
        assertThat(counts(key).visible()).isZero();
        assertThat(await(store.deleteQueue(elsewhere, clock.instant()))).isTrue();
        assertThat(await(store.queue(key))).isPresent();
    }

    @Test
    void updatesQueueAttributesAtomically() {
        await(store.updateQueue(key, q -> q.withTags(Map.of("team", "x"))));
        assertThat(await(store.queue(key))).get().extracting(QueueRecord::tags).isEqualTo(Map.of("team", "x"));
    }

    @Test
    void deletedQueueIsGoneWithItsMessages() {
        send("a");
        assertThat(await(store.deleteQueue(key, clock.instant()))).isTrue();
        assertThat(await(store.deleteQueue(key, clock.instant()))).isFalse();
        assertThat(await(store.queue(key))).isEmpty();
        assertThatThrownBy(() -> receive(1)).isInstanceOfSatisfying(SqsException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_DOES_NOT_EXIST));
        clock.advance(WINDOW);
        assertThat(create(queue(key, Map.of())).status()).isEqualTo(QueueStore.CreateOutcome.Status.CREATED);
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
        assertThat(counts(key).inFlight()).isEqualTo(3);
    }

    @Test
    void countsInFlightMessagesUpToALimit() {
        send("a", "b", "c", "d");
        send(key, message("delayed", Duration.ofSeconds(60)));
        receive(3);
        assertThat(await(store.inFlight(key, clock.instant(), 10))).as("not the visible one, not the delayed one")
                .isEqualTo(3);
        assertThat(await(store.inFlight(key, clock.instant(), 2))).isEqualTo(2);
        clock.advance(THIRTY_SECONDS);
        assertThat(await(store.inFlight(key, clock.instant(), 10))).as("visible again").isZero();
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
        assertThat(receive(key, 1, Duration.ZERO, null, null)).hasSize(1);
        assertThat(receive(key, 1, Duration.ZERO, null, null)).singleElement()
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
        assertThat(counts(key).inFlight()).isZero();
    }

    @Test
    void delayedMessagesBecomeVisibleWhenDue() {
        send(key, message("late", Duration.ofSeconds(10)), message("now", Duration.ZERO));
        assertThat(counts(key).delayed()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("now");
        clock.advanceSeconds(10);
        assertThat(counts(key).visible()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("late");
    }

    @Test
    void changeVisibilityHidesOrReleases() {
        send("a");
        Delivery delivery = receive(1).getFirst();
        Instant now = clock.instant();
        assertThat(await(store.changeVisibility(key, delivery.sequence(), 1, now, now))).isTrue();
        assertThat(await(store.counts(key, now)).visible()).isEqualTo(1);
        Delivery again = receive(1).getFirst();
        assertThat(await(store.changeVisibility(key, again.sequence(), 2, now, now))).isTrue();
        assertThat(await(store.changeVisibility(key, again.sequence(), 1, now.plusSeconds(5), now)))
                .as("an earlier receipt of a visible message").isFalse();
        again = receive(1).getFirst();
        assertThat(await(store.changeVisibility(key, again.sequence(), 3, now.plusSeconds(100), now))).isTrue();
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
        assertThat(changeVisibility(key, delivery, now.plusSeconds(60))).isTrue();
        assertThat(receive(1)).isEmpty();
    }

    @Test
    void anEarlierReceiptChangesVisibilityOnlyWhileTheMessageIsInFlight() {
        send("a");
        Delivery first = receive(1).getFirst();
        clock.advance(THIRTY_SECONDS);
        Delivery second = receive(1).getFirst();
        assertThat(changeVisibility(key, first, clock.instant().plusSeconds(300))).as("in flight under a later receive")
                .isTrue();
        clock.advance(THIRTY_SECONDS);
        assertThat(receive(1)).as("the earlier receipt's change holds").isEmpty();
        assertThat(changeVisibility(key, second, clock.instant())).isTrue();
        assertThat(changeVisibility(key, first, clock.instant().plusSeconds(60))).as("visible: no longer in flight")
                .isFalse();
        Delivery third = receive(1).getFirst();
        assertThat(delete(key, third)).isEqualTo(DeleteOutcome.DELETED);
        assertThat(changeVisibility(key, first, clock.instant().plusSeconds(60))).as("deleted").isFalse();
    }

    @Test
    void expiredMessagesDisappearEvenInFlight() {
        await(store.updateQueue(key, q -> q.withAttributes(Map.of("MessageRetentionPeriod", "60", "DelaySeconds", "0",
                "MaximumMessageSize", "1048576", "VisibilityTimeout", "30", "ReceiveMessageWaitTimeSeconds", "0"),
                clock.instant())));
        send("a", "b");
        receive(key, 1, Duration.ofSeconds(120), null, null);
        clock.advanceSeconds(59);
        send("c");
        assertThat(counts(key).visible()).isEqualTo(2);
        clock.advanceSeconds(1);
        var counts = counts(key);
        assertThat(counts.visible() + counts.inFlight()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("c");
    }

    @Test
    void purgeRemovesEverything() {
        send("a", "b");
        receive(1);
        send(key, message("later", Duration.ofSeconds(5)));
        assertThat(purge(key)).isTrue();
        var counts = counts(key);
        assertThat(counts.visible() + counts.inFlight() + counts.delayed()).isZero();
    }

    // ---- fair queues (standard) --------------------------------------------------------------------------------

    @Test
    void aFloodingTenantDoesNotStarveAQuietOne() {
        for (int i = 0; i < 1000; i++) {
            send(key, message("noisy-" + i, Duration.ZERO, "noisy", null));
        }
        send(key, message("quiet", Duration.ZERO, "quiet", null));
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
        List<Delivery> first = receive(fifo, 2, THIRTY_SECONDS, null, null);
        assertThat(first).extracting(d -> d.data().body()).containsExactly("a1", "a2");
        List<Delivery> second = receive(fifo, 10);
        assertThat(second).extracting(d -> d.data().body()).containsExactly("b1");
        assertThat(receive(fifo, 10)).as("both groups locked").isEmpty();
        assertThat(delete(fifo, first.get(0))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(receive(fifo, 10)).as("a2 still in flight").isEmpty();
        clock.advance(THIRTY_SECONDS);
        assertThat(delete(fifo, first.get(1))).as("handle expired").isEqualTo(DeleteOutcome.EXPIRED);
        // A group just served goes to the back: b was served after a.
        assertThat(receive(fifo, 10)).extracting(d -> d.data().body()).containsExactly("a2", "a3", "b1");
    }

    @Test
    void fifoServesAGroupAgainOnceItsFirstMessageIsVisibleEvenWhileLaterOnesAreInFlight() {
        QueueKey fifo = createFifoQueue("head.fifo", Map.of());
        sendTo(fifo, "m1", "g", "d1");
        sendTo(fifo, "m2", "g", "d2");
        sendTo(fifo, "m3", "g", "d3");
        List<Delivery> all = receive(fifo, 10);
        assertThat(all).extracting(d -> d.data().body()).containsExactly("m1", "m2", "m3");
        changeVisibility(fifo, all.get(1), clock.instant().plus(Duration.ofMinutes(5)));
        clock.advance(THIRTY_SECONDS);
        assertThat(receive(fifo, 10)).as("up to the first message still in flight")
                .extracting(d -> d.data().body()).containsExactly("m1");
        List<Delivery> again = receive(fifo, 10);
        assertThat(again).as("m1 in flight again").isEmpty();
    }

    @Test
    void fifoMovesTheGroupsAReceiveServedBehindTheOnesItDidNotTouch() {
        QueueKey fifo = createFifoQueue("rotation.fifo", Map.of());
        for (String group : List.of("g1", "g2", "g3")) {
            sendTo(fifo, group + "-a", group, group + "-a");
            sendTo(fifo, group + "-b", group, group + "-b");
        }
        assertThat(receive(fifo, 4, Duration.ZERO, null, null)).extracting(d -> d.data().body())
                .containsExactly("g1-a", "g1-b", "g2-a", "g2-b");
        assertThat(receive(fifo, 10, Duration.ZERO, null, null)).extracting(d -> d.data().body())
                .containsExactly("g3-a", "g3-b", "g1-a", "g1-b", "g2-a", "g2-b");
    }

    @Test
    void fifoDeduplicatesWithinFiveMinutesPerScope() {
        QueueKey fifo = createFifoQueue("dedup.fifo", Map.of());
        List<QueueStore.Sent> first = send(fifo, message("x", Duration.ZERO, "g1", "same"));
        List<QueueStore.Sent> again = send(fifo, message("y", Duration.ZERO, "g2", "same"));
        assertThat(again.getFirst().duplicate()).isTrue();
        assertThat(again.getFirst().messageId()).isEqualTo(first.getFirst().messageId());
        assertThat(again.getFirst().sequenceNumber()).isEqualTo(first.getFirst().sequenceNumber());
        clock.advance(Duration.ofMinutes(5));
        assertThat(send(fifo, message("z", Duration.ZERO, "g1", "same"))
                .getFirst().duplicate()).isFalse();

        QueueKey perGroup = createFifoQueue("group-dedup.fifo", Map.of("DeduplicationScope", "messageGroup"));
        sendTo(perGroup, "x", "g1", "same");
        assertThat(send(perGroup, message("y", Duration.ZERO, "g2", "same"))
                .getFirst().duplicate()).as("another group, another scope").isFalse();
        assertThat(send(perGroup, message("y", Duration.ZERO, "g1", "same"))
                .getFirst().duplicate()).isTrue();
    }

    @Test
    void fifoDeduplicationFollowsTheScopeInForceNow() {
        QueueKey fifo = createFifoQueue("scope-switch.fifo", Map.of());
        List<QueueStore.Sent> original = send(fifo, message("x", Duration.ZERO, "g1", "same"));
        await(store.updateQueue(fifo, q -> {
            Map<String, String> attributes = new java.util.HashMap<>(q.attributes());
            attributes.put("DeduplicationScope", "messageGroup");
            return q.withAttributes(attributes, clock.instant());
        }));
        assertThat(send(fifo, message("x again", Duration.ZERO, "g1", "same")).getFirst())
                .as("its own group: still a duplicate").extracting(QueueStore.Sent::duplicate, QueueStore.Sent::messageId)
                .containsExactly(true, original.getFirst().messageId());
        assertThat(send(fifo, message("y", Duration.ZERO, "g2", "same")).getFirst().duplicate())
                .as("another group: new at once").isFalse();
    }

    @Test
    void fifoPurgeForgetsTheDeduplicationIds() {
        QueueKey fifo = createFifoQueue("purge-dedup.fifo", Map.of());
        sendTo(fifo, "before", "g", "same");
        assertThat(purge(fifo)).isTrue();
        assertThat(send(fifo, message("after", Duration.ZERO, "g", "same")).getFirst().duplicate()).isFalse();
        assertThat(receive(fifo, 10)).extracting(d -> d.data().body()).containsExactly("after");
    }

    @Test
    void fifoSequenceNumbersGrowAnd20DigitsLong() {
        QueueKey fifo = createFifoQueue("seq.fifo", Map.of());
        List<QueueStore.Sent> sent = send(fifo, message("1", Duration.ZERO, "g", "1"),
                message("2", Duration.ZERO, "g", "2"), message("3", Duration.ZERO, "h", "3"));
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
        assertThat(changeVisibility(fifo, a1, now)).isTrue();
        assertThat(receive(fifo, 1)).extracting(d -> d.data().body()).containsExactly("a1");
    }

    // ---- dead-letter queues ------------------------------------------------------------------------------------

    @Test
    void aMessageReceivedTooOftenMovesToTheDeadLetterQueue() {
        QueueKey dlq = new QueueKey("us-east-1", "000000000000", "dlq");
        create(queue(dlq, Map.of()));
        QueueStore.Redrive redrive = new QueueStore.Redrive(2, dlq, "arn:aws:sqs:us-east-1:000000000000:contract");
        send("poison");
        Instant sentAt = clock.instant();
        for (int i = 1; i <= 2; i++) {
            List<Delivery> got = receive(key, 10, THIRTY_SECONDS, redrive, null);
            assertThat(got).singleElement().extracting(Delivery::receiveCount).isEqualTo(i);
            clock.advance(THIRTY_SECONDS);
        }
        assertThat(receive(key, 10, THIRTY_SECONDS, redrive, null)).isEmpty();
        Delivery moved = receive(dlq, 10).getFirst();
        assertThat(moved.data().body()).isEqualTo("poison");
        assertThat(moved.data().deadLetterQueueSourceArn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:contract");
        assertThat(moved.data().sentAt()).isEqualTo(sentAt);
        assertThat(moved.receiveCount()).isEqualTo(3);
        var counts = counts(key);
        assertThat(counts.visible() + counts.inFlight()).isZero();
    }

    // ---- waiting (long polls): deadlines and alarms on the manual clock ----------------------------------------

    /** A long poll waiting on the queue for up to 20 s; {@code returned} counts down each time it is woken. */
    private void waitingPoll(CountDownLatch returned) {
        waitUntil(key, clock.instant().plusSeconds(20), returned::countDown);
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
    void aWaitEndsOnceWhenItsDeadlineComesOnTheClockAndAtOnceWhenAMessageIsReceivable() throws Exception {
        AtomicInteger wakes = new AtomicInteger();
        CountDownLatch returned = new CountDownLatch(1);
        waitUntil(key, clock.instant().plusSeconds(20), () -> {
            wakes.incrementAndGet();
            returned.countDown();
        });
        clock.advance(Duration.ofSeconds(20).minusMillis(1));
        assertThat(returned.await(200, TimeUnit.MILLISECONDS)).as("the deadline has not come").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken when the deadline came").isTrue();
        send("later");
        Thread.sleep(100);
        assertThat(wakes).as("a waiter runs once: the send after its time found no one").hasValue(1);
        CountDownLatch immediate = new CountDownLatch(1);
        waitUntil(key, clock.instant().plusSeconds(20), immediate::countDown);
        assertThat(immediate.await(5, TimeUnit.SECONDS)).as("a message is receivable: woken at once, the clock"
                + " standing still").isTrue();
    }

    @Test
    void theCallersTimerEndsTheWait() throws Exception {
        CompletableFuture<String> endedOn = new CompletableFuture<>();
        waitUntil(key, clock.instant().plusMillis(50), () -> endedOn.complete(Thread.currentThread().getName()));
        clock.advance(Duration.ofMillis(50));
        assertThat(endedOn.get(5, TimeUnit.SECONDS)).isEqualTo("contract-timer");
    }

    @Test
    void aWokenWaitLeavesNoDeadlineBehind() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned);
        send("wake");
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(clock.pendingTimers()).as("the woken poll's deadline was cancelled").isZero();
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
        assertThat(receive(key, 1, Duration.ofSeconds(1), null, null)).hasSize(1);
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned); // starts while the message is in flight; nothing touches the queue
        assertThat(returned.await(200, TimeUnit.MILLISECONDS)).as("the timeout has not ended").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken when the visibility timeout ended").isTrue();
        assertThat(receive(1)).extracting(d -> d.data().body()).containsExactly("comes back");
    }

    @Test
    void waitingReceiverWakesWhenAMessageDelayedDuringTheWaitBecomesVisible() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned);
        send(key, message("delayed", Duration.ofSeconds(1)));
        assertThat(returned.await(300, TimeUnit.MILLISECONDS)).as("not woken while the message is delayed").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken when the delay ended").isTrue();
        assertThat(receive(1)).extracting(d -> d.data().body()).containsExactly("delayed");
    }

    @Test
    void aWaitOnADeletedQueueEndsAtOnce() throws Exception {
        await(store.deleteQueue(key, clock.instant()));
        CountDownLatch returned = new CountDownLatch(1);
        waitingPoll(returned);
        assertThat(returned.await(5, TimeUnit.SECONDS)).as("woken at once, the clock standing still").isTrue();
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
                        List<Delivery> got = receive(queue, 1, THIRTY_SECONDS, null, null);
                        if (!got.isEmpty()) {
                            seen.add(got.get(0).sequence());
                            served.countDown();
                            return null;
                        }
                        CountDownLatch woken = new CountDownLatch(1);
                        waitUntil(queue, clock.instant().plusSeconds(20), woken::countDown);
                        woken.await(10, TimeUnit.SECONDS); // bounded: a lost wake-up fails the test, never hangs it
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
        everyWaitingPollerGetsAMessage(key, () -> send(key, java.util.stream.IntStream.range(0, pollers)
                .mapToObj(i -> message("m" + i, Duration.ZERO)).toArray(NewMessage[]::new)), pollers);
    }

    @Test
    void fifoMessagesInManyGroupsReachEveryWaiter() throws Exception {
        QueueKey fifo = createFifoQueue("waiters.fifo", Map.of());
        int groups = 20;
        everyWaitingPollerGetsAMessage(fifo, () -> send(fifo, java.util.stream.IntStream.range(0, groups)
                .mapToObj(i -> message("m" + i, Duration.ZERO, "g" + i, "d" + i)).toArray(NewMessage[]::new)), groups);
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
        assertThat(counts(key).inFlight()).isZero();
    }

    @Test
    void deletingSeveralAnswersEachAsADeleteWould() {
        send("a", "b", "c");
        List<Delivery> first = receive(3);
        clock.advance(THIRTY_SECONDS);
        List<Delivery> again = receive(3); // a, b and c received a second time
        Delivery a = again.get(0);
        Delivery stale = first.get(1);
        Delivery c = again.get(2);
        List<CompletableFuture<DeleteOutcome>> outcomes = store.deleteAll(key, List.of(
                new QueueStore.Receipt(a.sequence(), a.receiveCount()),
                new QueueStore.Receipt(stale.sequence(), stale.receiveCount()),
                new QueueStore.Receipt(c.sequence(), c.receiveCount()),
                new QueueStore.Receipt(c.sequence(), c.receiveCount()),
                new QueueStore.Receipt(999_999_999L, 1)), clock.instant());
        List<DeleteOutcome> answered = outcomes.stream().map(QueueStoreContract::await).toList();
        assertThat(answered).element(0).isEqualTo(DeleteOutcome.DELETED);
        assertThat(answered).element(1).isEqualTo(DeleteOutcome.STALE_RECEIPT);
        assertThat(answered).element(2).isEqualTo(DeleteOutcome.DELETED);
        // The same receipt twice in one step: the client sees success either way (AWS: both entries succeed).
        assertThat(answered).element(3).isIn(DeleteOutcome.DELETED, DeleteOutcome.NOT_FOUND);
        assertThat(answered).element(4).isEqualTo(DeleteOutcome.NOT_FOUND);
        assertThat(counts(key).inFlight()).as("b stays, in flight under its second receive").isEqualTo(1);
    }

    @Test
    void concurrentReceiversEachGetAFullBatchWhileEnoughIsVisible() throws Exception {
        for (int i = 0; i < 200; i++) {
            send("m" + i);
        }
        int receivers = 8;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(receivers);
        List<java.util.concurrent.Future<Integer>> got = new java.util.ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(receivers)) {
            for (int t = 0; t < receivers; t++) {
                got.add(pool.submit(() -> {
                    start.await();
                    return receive(10).size();
                }));
            }
        }
        for (java.util.concurrent.Future<Integer> batch : got) {
            assertThat(batch.get()).as("a receive does not come back short because others receive at the same time")
                    .isEqualTo(10);
        }
    }

    // ---- the windows and memories the store keeps (so that several nodes share them) --------------------------

    @Test
    void aDeletedQueuesNameStaysBlockedForTheWindow() {
        await(store.deleteQueue(key, clock.instant()));
        clock.advance(WINDOW.minusSeconds(1));
        assertThat(create(queue(key, Map.of())).status())
                .isEqualTo(QueueStore.CreateOutcome.Status.NAME_RECENTLY_DELETED);
        assertThat(await(store.queue(key))).isEmpty();
        clock.advanceSeconds(1);
        assertThat(create(queue(key, Map.of())).status()).isEqualTo(QueueStore.CreateOutcome.Status.CREATED);
    }

    @Test
    void aPurgeRefusesTheNextOneWithinTheWindowAndChangesNothingThen() {
        send("before");
        assertThat(purge(key)).isTrue();
        send("after");
        clock.advance(WINDOW.minusSeconds(1));
        assertThat(purge(key)).as("inside the window").isFalse();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("after");
        clock.advanceSeconds(1);
        assertThat(purge(key)).isTrue();
        assertThat(counts(key).inFlight()).isZero();
    }

    @Test
    void aRetriedReceiveAttemptGetsTheSameDeliveriesWithTheirVisibilityReset() {
        QueueKey fifo = createFifoQueue("attempt.fifo", Map.of());
        sendTo(fifo, "a1", "a", "1");
        sendTo(fifo, "a2", "a", "2");
        List<Delivery> first = receive(fifo, 10, THIRTY_SECONDS, null, "attempt-1");
        assertThat(first).extracting(d -> d.data().body()).containsExactly("a1", "a2");
        clock.advanceSeconds(20);
        List<Delivery> retried = receive(fifo, 10, THIRTY_SECONDS, null, "attempt-1");
        assertThat(retried).extracting(Delivery::sequence, Delivery::receiveCount, Delivery::receivedAt)
                .isEqualTo(first.stream().map(d -> org.assertj.core.groups.Tuple.tuple(d.sequence(),
                        d.receiveCount(), d.receivedAt())).toList());
        assertThat(retried).extracting(d -> d.data().body()).containsExactly("a1", "a2");
        clock.advanceSeconds(29);
        assertThat(receive(fifo, 10)).as("the retry reset the visibility timeout").isEmpty();
        clock.advanceSeconds(1);
        assertThat(receive(fifo, 10)).extracting(Delivery::receiveCount).containsExactly(2, 2);
    }

    @Test
    void aReceiveAttemptEndsWhenItsMessagesMoveOnOrAfterFiveMinutes() {
        QueueKey fifo = createFifoQueue("attempt-ends.fifo", Map.of());
        sendTo(fifo, "deleted", "a", "1");
        Delivery deleted = receive(fifo, 10, THIRTY_SECONDS, null, "x").getFirst();
        assertThat(delete(fifo, deleted)).isEqualTo(DeleteOutcome.DELETED);
        assertThat(receive(fifo, 10, THIRTY_SECONDS, null, "x")).as("a message of the attempt is gone").isEmpty();

        sendTo(fifo, "received again", "b", "2");
        receive(fifo, 10, THIRTY_SECONDS, null, "y");
        clock.advance(THIRTY_SECONDS);
        Delivery again = receive(fifo, 10).getFirst();
        assertThat(receive(fifo, 10, THIRTY_SECONDS, null, "y")).as("received again since").isEmpty();
        assertThat(delete(fifo, again)).isEqualTo(DeleteOutcome.DELETED);

        sendTo(fifo, "expired", "c", "3");
        receive(fifo, 10, THIRTY_SECONDS, null, "z");
        clock.advance(Duration.ofMinutes(5));
        assertThat(receive(fifo, 10, THIRTY_SECONDS, null, "z")).as("a new receive after five minutes")
                .singleElement().extracting(Delivery::receiveCount).isEqualTo(2);
    }

    private MoveTask moveTask(String sourceArn) {
        return new MoveTask(UUID.randomUUID().toString(), sourceArn, null, null, 5, 0, clock.instant(),
                MoveTask.Status.RUNNING, null);
    }

    @Test
    void aSourceHasOneActiveMoveTaskAndKeepsItsLastTen() {
        String source = "arn:aws:sqs:us-east-1:000000000000:dlq";
        MoveTask first = await(store.startMoveTask(moveTask(source))).orElseThrow();
        assertThat(await(store.startMoveTask(moveTask(source)))).as("one active task per source").isEmpty();
        assertThat(await(store.startMoveTask(moveTask(source + "-other")))).isPresent();
        Optional<MoveTask> cancelling = await(store.updateMoveTask(source, first.taskId(),
                t -> t.withMoved(3).withStatus(MoveTask.Status.CANCELLING, null)));
        assertThat(cancelling).get().extracting(MoveTask::moved, MoveTask::status)
                .containsExactly(3L, MoveTask.Status.CANCELLING);
        assertThat(await(store.activeMoveTasks())).extracting(MoveTask::taskId).contains(first.taskId());
        await(store.updateMoveTask(source, first.taskId(), t -> t.withStatus(MoveTask.Status.CANCELLED, null)));
        assertThat(await(store.activeMoveTasks())).extracting(MoveTask::taskId).doesNotContain(first.taskId());

        List<String> started = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            clock.advanceSeconds(1);
            MoveTask task = await(store.startMoveTask(moveTask(source))).orElseThrow();
            started.addFirst(task.taskId());
            await(store.updateMoveTask(source, task.taskId(), t -> t.withStatus(MoveTask.Status.COMPLETED, null)));
        }
        assertThat(await(store.moveTasks(source))).extracting(MoveTask::taskId).as("newest first, ten kept")
                .containsExactlyElementsOf(started);
        assertThat(await(store.updateMoveTask(source, first.taskId(), t -> t))).as("pushed out").isEmpty();
    }

    @Test
    void concurrentChangesOfAMoveTaskAllFindIt() throws Exception {
        // A cancel request and the worker's progress update meet on the same task; neither may find it missing.
        String source = "arn:aws:sqs:us-east-1:000000000000:dlq";
        MoveTask task = await(store.startMoveTask(moveTask(source))).orElseThrow();
        int changes = 40;
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<CompletableFuture<Optional<MoveTask>>> changed = new java.util.ArrayList<>();
            for (int i = 0; i < changes; i++) {
                changed.add(CompletableFuture.supplyAsync(() -> await(store.updateMoveTask(source, task.taskId(),
                        t -> t.withMoved(t.moved() + 1))), threads));
            }
            assertThat(changed).allSatisfy(f -> assertThat(f.get(30, TimeUnit.SECONDS)).as("found").isPresent());
        }
        assertThat(await(store.moveTasks(source))).singleElement().extracting(MoveTask::moved)
                .isEqualTo((long) changes);
    }

    @Test
    void aMoveTaskChangeThatRefusesChangesNothing() {
        String source = "arn:aws:sqs:us-east-1:000000000000:dlq";
        MoveTask task = await(store.startMoveTask(moveTask(source))).orElseThrow();
        assertThatThrownBy(() -> await(store.updateMoveTask(source, task.taskId(), t -> {
            throw new SqsException(ErrorCode.RESOURCE_NOT_FOUND, "Task does not exist.");
        }))).isInstanceOf(SqsException.class);
        assertThat(await(store.moveTasks(source))).containsExactly(task);
    }
}
