package dev.postbox.store.embedded;

import dev.postbox.core.Limits;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore.DeleteOutcome;
import dev.postbox.core.store.QueueStore.Sent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

import static dev.postbox.store.embedded.StoredMessage.State.DELAYED;
import static dev.postbox.store.embedded.StoredMessage.State.IN_FLIGHT;
import static dev.postbox.store.embedded.StoredMessage.State.VISIBLE;

/**
 * One queue's messages, owned behind one lock.
 *
 * <p>Design: every message is in {@link #bySequence} and {@link #byAge}, and is VISIBLE (indexed by the queue's
 * {@link VisibleOrder}) or DELAYED or IN_FLIGHT (both in {@link #pending}, ordered by the instant it becomes
 * visible). No timer exists per message: each operation first drops messages past retention from the old end of
 * {@code byAge} ({@link #sweepExpired}) and makes due pending messages visible ({@link #promoteDue}).
 *
 * <p>Invariants: {@code bySequence.size() == byAge.size() == visible + pending.size()} and
 * {@code pending.size() == inFlight + delayed}.
 */
final class MemoryQueue {
    // Written out rather than composed (Comparator.comparing(..).thenComparingLong(..)): every insert compares
    // ~log2(n) times under the queue lock, and the composed lambdas showed as ~3% of a raw send's CPU.
    private static final Comparator<StoredMessage> BY_VISIBLE_AT = (a, b) -> {
        int byInstant = a.visibleAt.compareTo(b.visibleAt);
        return byInstant != 0 ? byInstant : Long.compare(a.sequence, b.sequence);
    };
    private static final Comparator<StoredMessage> BY_AGE = (a, b) -> {
        int byInstant = a.retainedFrom.compareTo(b.retainedFrom);
        return byInstant != 0 ? byInstant : Long.compare(a.sequence, b.sequence);
    };

    /** What a receive hands back: deliveries, and messages removed for a move to the dead-letter queue. */
    record Received(List<Delivery> deliveries, List<StoredMessage> toDeadLetter) {
    }

    private record Deduplicated(String messageId, String sequenceNumber, Instant expiresAt) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Waiters waiters = new Waiters(lock);
    private final Map<Long, StoredMessage> bySequence = new HashMap<>();
    private final TreeSet<StoredMessage> byAge = new TreeSet<>(BY_AGE);
    private final TreeSet<StoredMessage> pending = new TreeSet<>(BY_VISIBLE_AT);
    private final VisibleOrder order;
    private final boolean keepPayloads;
    /** The same object as {@link #order} on standard queues (cold backlog support); null on FIFO queues. */
    private final FairOrder fairOrder;
    private final boolean coldBacklog;
    private LongConsumer expiryListener = sequence -> { };
    /** FIFO deduplication window, oldest first. */
    private final LinkedHashMap<String, Deduplicated> deduplication = new LinkedHashMap<>();
    private long visible;
    private long inFlight;
    private long delayed;
    private long nextSequence = 1;
    private long lastFifoSequence;
    private boolean closed;
    private volatile QueueRecord record;
    private Duration retention;
    private boolean deduplicatePerGroup;

    /**
     * @param keepPayloads whether message payloads stay on the heap; the durable store keeps them on disk and
     *                     loads them for deliveries
     */
    MemoryQueue(QueueRecord record, boolean keepPayloads) {
        this.keepPayloads = keepPayloads;
        if (record.fifo()) {
            this.order = new FifoOrder();
            this.fairOrder = null;
        } else {
            this.fairOrder = new FairOrder();
            this.order = fairOrder;
            fairOrder.setMaterializer(this::materialize);
        }
        this.coldBacklog = !keepPayloads && !record.fifo();
        setRecord(record);
    }

    /** A cold message's turn has come: it becomes an indexed VISIBLE message (see {@link FairOrder}). */
    private StoredMessage materialize(long sequence, String groupId, long retainedFromMillis) {
        StoredMessage message = new StoredMessage(sequence, null, groupId, null,
                Instant.ofEpochMilli(retainedFromMillis), 0, null);
        bySequence.put(sequence, message);
        byAge.add(message);
        message.state = VISIBLE;
        visible++;
        return message;
    }

    /** Durable standard queues keep never-received visible messages cold (two longs, no object). */
    private boolean goesCold(StoredMessage message, Instant visibleAt, Instant now) {
        return coldBacklog && message.receiveCount == 0 && (visibleAt == null || !visibleAt.isAfter(now));
    }

    QueueRecord record() {
        return record;
    }

    QueueRecord update(UnaryOperator<QueueRecord> change) {
        lock.lock();
        try {
            setRecord(change.apply(record));
            return record;
        } finally {
            lock.unlock();
        }
    }

    private void setRecord(QueueRecord newRecord) {
        this.record = newRecord;
        this.retention = Duration.ofSeconds(newRecord.intAttribute(QueueAttributes.MESSAGE_RETENTION_PERIOD));
        this.deduplicatePerGroup = "messageGroup".equals(newRecord.attributes().get(QueueAttributes.DEDUPLICATION_SCOPE));
    }

    /**
     * A message entering the queue: sent by a client, or moved here (dead-letter move) with its receive history.
     */
    record Incoming(MessageData data, Instant visibleAt, Instant retainedFrom, boolean deduplicate, int receiveCount,
                    Instant firstReceivedAt) {
        static Incoming sent(NewMessage message) {
            return new Incoming(message.data(), message.visibleAt(), message.retainedFrom(), message.deduplicate(),
                    0, null);
        }
    }

    /**
     * Messages accepted but not yet published: they have sequence (and FIFO sequence) numbers and hold their
     * deduplication ids, but no receive can see them until {@link #publish}; {@link #discard} forgets them.
     * {@code visibleAts} and {@code dedupKeys} (null where none) run parallel to {@code messages}.
     */
    record Staged(List<Sent> sent, List<StoredMessage> messages, List<Instant> visibleAts, List<String> dedupKeys) {
    }

    /** Sends and publishes at once (the in-memory store has nothing to wait for). */
    List<Sent> send(List<NewMessage> messages, Instant now) {
        lock.lock();
        try {
            Staged staged = stage(messages.stream().map(Incoming::sent).toList(), now);
            publish(staged, now);
            return staged.sent();
        } finally {
            lock.unlock();
        }
    }

    /** Stages messages; the caller makes them durable, then publishes (or discards) them in staging order. */
    Staged stage(List<Incoming> incoming, Instant now) {
        return stage(incoming, now, staged -> { });
    }

    /**
     * Stages messages and, still under the queue's lock, hands them to {@code whileLocked} (which must not block), so
     * that the durable store submits stagings of one queue in sequence order.
     */
    Staged stage(List<Incoming> incoming, Instant now, Consumer<Staged> whileLocked) {
        lock.lock();
        try {
            Staged staged = stageLocked(incoming, now);
            whileLocked.accept(staged);
            return staged;
        } finally {
            lock.unlock();
        }
    }

    private Staged stageLocked(List<Incoming> incoming, Instant now) {
        List<Sent> sent = new ArrayList<>(incoming.size());
        List<StoredMessage> staged = new ArrayList<>(incoming.size());
        List<Instant> visibleAts = new ArrayList<>(incoming.size());
        List<String> dedupKeys = new ArrayList<>();
        sweepDeduplication(now);
        for (Incoming in : incoming) {
            String dedupKey = null;
            if (record.fifo() && in.deduplicate()) {
                dedupKey = deduplicationKey(in.data().groupId(), in.data().deduplicationId());
                Deduplicated original = deduplication.get(dedupKey);
                if (original != null) {
                    sent.add(new Sent(original.messageId(), original.sequenceNumber(), true));
                    continue;
                }
            }
            String sequenceNumber = record.fifo() ? nextFifoSequenceNumber(now) : null;
            StoredMessage message = new StoredMessage(in.data(), nextSequence++, sequenceNumber,
                    in.retainedFrom(), in.receiveCount(), in.firstReceivedAt());
            staged.add(message);
            visibleAts.add(in.visibleAt());
            dedupKeys.add(dedupKey);
            if (dedupKey != null) {
                deduplication.put(dedupKey, new Deduplicated(message.messageId, sequenceNumber,
                        now.plus(Limits.DEDUPLICATION_INTERVAL)));
            }
            sent.add(new Sent(message.messageId, sequenceNumber, false));
        }
        return new Staged(sent, staged, visibleAts, dedupKeys);
    }

    String deduplicationKey(String groupId, String deduplicationId) {
        return deduplicatePerGroup ? groupId + '\u0000' + deduplicationId : deduplicationId;
    }

    void publish(Staged staged, Instant now) {
        lock.lock();
        try {
            if (closed) {
                return; // the queue was deleted meanwhile
            }
            int nowVisible = 0;
            for (int i = 0; i < staged.messages().size(); i++) {
                StoredMessage message = staged.messages().get(i);
                Instant visibleAt = staged.visibleAts().get(i);
                if (goesCold(message, visibleAt, now)) {
                    fairOrder.addCold(message.sequence, message.groupId, message.retainedFrom.toEpochMilli());
                    nowVisible++;
                    continue;
                }
                insert(message, visibleAt, now);
                if (!keepPayloads) {
                    message.data = null;
                }
                if (message.state == VISIBLE) {
                    nowVisible++;
                }
            }
            signal(nowVisible);
        } finally {
            lock.unlock();
        }
    }

    void discard(Staged staged) {
        lock.lock();
        try {
            staged.dedupKeys().stream().filter(java.util.Objects::nonNull).forEach(deduplication::remove);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes messages moved here by a dead-letter move (or returned to their source when the DLQ vanished); they keep
     * their id, body, attributes, send time and receive history. Their payloads must be loaded.
     */
    void accept(List<StoredMessage> moved, String sourceArn, Instant now) {
        publish(stage(movedIn(moved, sourceArn, now), now), now);
    }

    /** How moved messages enter this queue: FIFO queues reset the enqueue time, standard queues keep it (AWS). */
    List<Incoming> movedIn(List<StoredMessage> moved, String sourceArn, Instant now) {
        List<Incoming> incoming = new ArrayList<>(moved.size());
        for (StoredMessage original : moved) {
            MessageData data = sourceArn == null ? original.data : original.data.withDeadLetterQueueSourceArn(sourceArn);
            incoming.add(new Incoming(data, now, record.fifo() ? now : original.retainedFrom, false,
                    original.receiveCount, original.firstReceivedAt));
        }
        return incoming;
    }

    /** Recovery: puts a message read from disk back in its state (entries arrive in sequence order). */
    void restore(long sequence, Codec.IndexEntry entry, Instant now) {
        lock.lock();
        try {
            nextSequence = Math.max(nextSequence, sequence + 1);
            if (entry.sequenceNumber() != null) {
                lastFifoSequence = Math.max(lastFifoSequence, Long.parseLong(entry.sequenceNumber().substring(1)));
            }
            if (coldBacklog && entry.receiveCount() == 0 && entry.visibleAtMillis() <= now.toEpochMilli()) {
                fairOrder.addCold(sequence, entry.groupId(), entry.retainedFromMillis());
                return;
            }
            StoredMessage message = new StoredMessage(sequence, null, entry.groupId(), entry.sequenceNumber(),
                    entry.retainedFrom(), entry.receiveCount(), entry.firstReceivedAt());
            Instant visibleAt = entry.visibleAt();
            bySequence.put(message.sequence, message);
            byAge.add(message);
            order.added(message);
            if (visibleAt != null && visibleAt.isAfter(now)) {
                boolean inFlight = message.receiveCount > 0;
                toPending(message, inFlight ? IN_FLIGHT : DELAYED, visibleAt, now);
                if (inFlight) {
                    // It entered in flight without a take: the order must count it (a FIFO group stays locked),
                    // just as for a visibility change of a visible message.
                    order.leftVisible(message);
                }
            } else {
                makeVisible(message);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Recovery: a deduplication id still inside its window. */
    void restoreDeduplication(String key, String messageId, String sequenceNumber, Instant expiresAt) {
        lock.lock();
        try {
            deduplication.put(key, new Deduplicated(messageId, sequenceNumber, expiresAt));
        } finally {
            lock.unlock();
        }
    }

    private void insert(StoredMessage message, Instant visibleAt, Instant now) {
        bySequence.put(message.sequence, message);
        byAge.add(message);
        order.added(message);
        if (visibleAt.isAfter(now)) {
            toPending(message, DELAYED, visibleAt, now);
        } else {
            makeVisible(message);
        }
    }

    private String nextFifoSequenceNumber(Instant now) {
        lastFifoSequence = Math.max(lastFifoSequence + 1, now.toEpochMilli() * 1_000_000L);
        return "1" + String.format("%019d", lastFifoSequence);
    }

    Received receive(int max, Duration visibilityTimeout, Instant now, int maxReceiveCount) {
        lock.lock();
        try {
            sweepExpired(now);
            promoteDue(now);
            List<Delivery> deliveries = new ArrayList<>(Math.min(max, 16));
            List<StoredMessage> toDeadLetter = new ArrayList<>();
            List<StoredMessage> releaseAfter = new ArrayList<>();
            while (deliveries.size() < max) {
                List<StoredMessage> taken = order.take(max - deliveries.size());
                if (taken.isEmpty()) {
                    break;
                }
                for (StoredMessage message : taken) {
                    visible--;
                    message.state = IN_FLIGHT;
                    if (maxReceiveCount > 0 && message.receiveCount + 1 > maxReceiveCount) {
                        order.settled(message);
                        forget(message, IN_FLIGHT);
                        toDeadLetter.add(message);
                        continue;
                    }
                    message.receiveCount++;
                    if (message.firstReceivedAt == null) {
                        message.firstReceivedAt = now;
                    }
                    if (visibilityTimeout.isZero()) {
                        releaseAfter.add(message); // visible again, but not to this same receive
                    } else {
                        message.state = null;
                        toPending(message, IN_FLIGHT, now.plus(visibilityTimeout), now);
                    }
                    deliveries.add(new Delivery(message.data, message.sequence, message.receiveCount,
                            message.firstReceivedAt, message.sequenceNumber));
                }
            }
            for (StoredMessage message : releaseAfter) {
                order.settled(message);
                makeVisible(message);
            }
            if (order.hasReceivable()) {
                waiters.wake(1); // more is receivable than this receive took: pass the turn on (see signal)
            } else {
                armAlarm(now);
            }
            return new Received(deliveries, toDeadLetter);
        } finally {
            lock.unlock();
        }
    }

    DeleteOutcome delete(long sequence, int receiveCount, Instant now) {
        lock.lock();
        try {
            DeleteOutcome outcome = checkDelete(sequence, receiveCount, now);
            if (outcome == DeleteOutcome.DELETED) {
                removeIfPresent(sequence);
            }
            return outcome;
        } finally {
            lock.unlock();
        }
    }

    /** What a delete with this receipt would do, without doing it (the durable store deletes on disk first). */
    DeleteOutcome checkDelete(long sequence, int receiveCount, Instant now) {
        lock.lock();
        try {
            sweepExpired(now);
            promoteDue(now);
            StoredMessage message = bySequence.get(sequence);
            if (message == null) {
                return DeleteOutcome.NOT_FOUND;
            }
            if (message.receiveCount != receiveCount) {
                return DeleteOutcome.STALE_RECEIPT;
            }
            if (record.fifo() && message.state != IN_FLIGHT) {
                return DeleteOutcome.EXPIRED;
            }
            return DeleteOutcome.DELETED;
        } finally {
            lock.unlock();
        }
    }

    /** Removes the message whatever its state (a no-op when it is already gone). */
    void removeIfPresent(long sequence) {
        lock.lock();
        try {
            StoredMessage message = bySequence.get(sequence);
            if (message != null) {
                remove(message);
                if (record.fifo()) {
                    signal(1); // the delete may have unlocked its group
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The highest sequence handed out so far (0 when none): a purge removes up to here. */
    long lastSequence() {
        lock.lock();
        try {
            return nextSequence - 1;
        } finally {
            lock.unlock();
        }
    }

    /** Current state of a message for the durable store's best-effort bookkeeping, or null when gone. */
    StoredMessage peek(long sequence) {
        lock.lock();
        try {
            return bySequence.get(sequence);
        } finally {
            lock.unlock();
        }
    }

    boolean changeVisibility(long sequence, int receiveCount, Instant visibleAt, Instant now) {
        lock.lock();
        try {
            sweepExpired(now);
            promoteDue(now);
            StoredMessage message = bySequence.get(sequence);
            if (message == null || message.receiveCount != receiveCount) {
                return false;
            }
            boolean hide = visibleAt.isAfter(now);
            if (message.state == IN_FLIGHT) {
                unpend(message);
                if (hide) {
                    toPending(message, IN_FLIGHT, visibleAt, now);
                } else {
                    order.settled(message);
                    makeVisible(message);
                    signal(1);
                }
            } else if (message.state == VISIBLE && hide) {
                visible--;
                message.state = null;
                order.leftVisible(message);
                toPending(message, IN_FLIGHT, visibleAt, now);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void purge() {
        purgeUpTo(Long.MAX_VALUE);
    }

    /** Removes every message up to the given sequence (messages sent after the purge began stay). */
    void purgeUpTo(long lastSequence) {
        lock.lock();
        try {
            if (lastSequence == Long.MAX_VALUE) {
                bySequence.clear();
                byAge.clear();
                pending.clear();
                order.clear();
                visible = 0;
                inFlight = 0;
                delayed = 0;
                return;
            }
            List<StoredMessage> doomed = bySequence.values().stream().filter(m -> m.sequence <= lastSequence).toList();
            doomed.forEach(this::remove);
            if (fairOrder != null) {
                fairOrder.purgeColdUpTo(lastSequence);
            }
        } finally {
            lock.unlock();
        }
    }

    QueueCounts counts(Instant now) {
        lock.lock();
        try {
            sweepExpired(now);
            promoteDue(now);
            return new QueueCounts(visible + coldCount(), inFlight, delayed);
        } finally {
            lock.unlock();
        }
    }

    private long coldCount() {
        return fairOrder == null ? 0 : fairOrder.coldCount();
    }

    /**
     * Runs {@code wake} once something may be receivable (a send, a message whose visibility timeout or delay ends:
     * see {@link Waiters}), the queue closes, or {@code maxWait} has passed (kept by {@code timer}); right away when
     * one of those holds now.
     */
    void whenReceivable(Duration maxWait, Instant now, ScheduledExecutorService timer, Runnable wake) {
        long waitNanos = maxWait.toNanos();
        lock.lock();
        try {
            promoteDue(now);
            if (!closed && !order.hasReceivable() && waitNanos > 0) {
                waiters.join(wake, waitNanos, timer);
                armAlarm(now);
                return;
            }
        } finally {
            lock.unlock();
        }
        wake.run();
    }

    /** Deleted queue or server shutdown: no one may wait here any more. */
    void close() {
        lock.lock();
        try {
            closed = true;
            waiters.wakeAll();
        } finally {
            lock.unlock();
        }
    }

    /** Checks the invariants of the class comment (for tests). */
    boolean invariantHolds() {
        lock.lock();
        try {
            long pendingInFlight = pending.stream().filter(m -> m.state == IN_FLIGHT).count();
            long visibleStates = bySequence.values().stream().filter(m -> m.state == VISIBLE).count();
            boolean orderConsistent = order instanceof FifoOrder fifo ? fifo.consistent()
                    : ((FairOrder) order).visibleCount() == visible;
            return bySequence.size() == byAge.size() && bySequence.size() == visible + pending.size()
                    && pending.size() == inFlight + delayed && pendingInFlight == inFlight
                    && visibleStates == visible && orderConsistent;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Wakes one waiter per newly visible message (a FIFO queue: one, as any waiter may take a whole group's turn).
     * No wake-up is lost: a woken waiter always receives again, and a receive that leaves receivable messages behind
     * wakes the next waiter.
     */
    private void signal(int newlyVisible) {
        if (newlyVisible > 0 && order.hasReceivable()) {
            waiters.wake(record.fifo() ? 1 : newlyVisible);
        }
    }

    /** Keeps the invariant: while polls wait and a message is pending, an alarm rings when the first is due. */
    private void armAlarm(Instant now) {
        if (!waiters.isEmpty() && !pending.isEmpty()) {
            waiters.wakeOneWithin(Duration.between(now, pending.first().visibleAt).toNanos());
        }
    }

    private void sweepExpired(Instant now) {
        Instant oldestAllowed = now.minus(retention);
        while (!byAge.isEmpty() && !byAge.first().retainedFrom.isAfter(oldestAllowed)) {
            StoredMessage expired = byAge.first();
            remove(expired);
            expiryListener.accept(expired.sequence);
        }
        if (fairOrder != null) {
            fairOrder.expireCold(oldestAllowed.toEpochMilli(), expiryListener);
        }
    }

    /** Called under the lock with the sequence of every message dropped by retention (must not block). */
    void setExpiryListener(LongConsumer listener) {
        this.expiryListener = listener;
    }

    private void sweepDeduplication(Instant now) {
        Iterator<Deduplicated> oldest = deduplication.values().iterator();
        while (oldest.hasNext() && !oldest.next().expiresAt().isAfter(now)) {
            oldest.remove();
        }
    }

    private void promoteDue(Instant now) {
        while (!pending.isEmpty() && !pending.first().visibleAt.isAfter(now)) {
            StoredMessage message = pending.first();
            StoredMessage.State was = message.state;
            unpend(message);
            if (was == IN_FLIGHT) {
                order.settled(message);
            }
            makeVisible(message);
        }
    }

    private void makeVisible(StoredMessage message) {
        message.state = VISIBLE;
        message.visibleAt = null;
        visible++;
        order.becameVisible(message);
    }

    private void toPending(StoredMessage message, StoredMessage.State state, Instant visibleAt, Instant now) {
        message.state = state;
        message.visibleAt = visibleAt;
        pending.add(message);
        if (pending.first() == message) {
            armAlarm(now);
        }
        if (state == IN_FLIGHT) {
            inFlight++;
        } else {
            delayed++;
        }
    }

    /** Takes a DELAYED or IN_FLIGHT message out of pending; its state stays as it was for the caller to read. */
    private void unpend(StoredMessage message) {
        pending.remove(message);
        if (message.state == IN_FLIGHT) {
            inFlight--;
        } else {
            delayed--;
        }
    }

    /** Removes the message from the queue, whatever its state. */
    private void remove(StoredMessage message) {
        StoredMessage.State was = message.state;
        if (was == VISIBLE) {
            visible--;
        } else {
            unpend(message);
            if (was == IN_FLIGHT) {
                order.settled(message);
            }
        }
        forget(message, was);
    }

    private void forget(StoredMessage message, StoredMessage.State lastState) {
        bySequence.remove(message.sequence);
        byAge.remove(message);
        order.removed(message, lastState);
        message.state = null;
    }
}
