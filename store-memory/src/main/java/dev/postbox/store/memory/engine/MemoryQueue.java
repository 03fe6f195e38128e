package dev.postbox.store.memory.engine;

import dev.postbox.core.Limits;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore.DeleteOutcome;
import dev.postbox.core.store.QueueStore.Sent;
import dev.postbox.core.time.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

import static dev.postbox.store.memory.engine.StoredMessage.State.IN_FLIGHT;
import static dev.postbox.store.memory.engine.StoredMessage.State.VISIBLE;

/**
 * One queue's state, owned behind one lock: its record, its {@link Messages}, the FIFO deduplication window, the
 * receives remembered by attempt id, when it was last purged, and the long polls waiting on it ({@link Waiters}).
 * Each public method is one atomic step of SQS semantics (what a {@code QueueStore} method does for one queue);
 * critical sections do no I/O, and no thread ever holds two queues' locks.
 *
 * <p>Sending is two steps so that a store can record messages before anyone may receive them: {@link #stage}
 * accepts them (sequence numbers, deduplication) and hands them to the caller while the lock is held, so that stagings
 * reach the caller in sequence order; {@link #publish} makes them receivable, {@link #discard} forgets them.
 * {@link #send} does both at once. What a store must record comes out as snapshots ({@link Accepted},
 * {@link MessageState}, {@link ReceiveAttempt}), never as the engine's own mutable objects.
 *
 * <p>Waiting polls: every operation that may make a message receivable wakes waiters; every operation ends with
 * the alarm invariant of {@link Waiters} restored ({@link #keepAlarm}): while polls wait and a message is pending,
 * an alarm rings no later than the earliest one is due.
 */
public final class MemoryQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Waiters waiters = new Waiters(lock);
    private final Messages messages;
    private final Payloads payloads;
    private final DeduplicationWindow deduplication = new DeduplicationWindow();
    private final ExpiringEntries<ReceiveAttempt> attempts = new ExpiringEntries<>(ReceiveAttempt::expiresAt);
    // The Expiry's methods as the sweeps take them, made once (a method reference per sweep would be an allocation
    // on every receive).
    private LongConsumer messageExpired = sequence -> { };
    private Consumer<String> attemptExpired = id -> { };
    private volatile QueueRecord record;
    private Duration retention;
    private boolean deduplicatePerGroup;
    private long nextSequence = 1;
    private long lastFifoSequence;
    private Instant lastPurgedAt;
    private boolean closed;

    public MemoryQueue(QueueRecord record, Payloads payloads) {
        this.payloads = payloads;
        this.messages = new Messages(record.fifo());
        setRecord(record);
    }

    /** Called under the lock for what the queue forgets as time passes (see {@link Expiry}). */
    public void setExpiry(Expiry expiry) {
        this.messageExpired = expiry::messageExpired;
        deduplication.onExpired(expiry::deduplicationExpired);
        this.attemptExpired = expiry::attemptExpired;
    }

    public QueueRecord record() {
        return record;
    }

    public QueueRecord update(UnaryOperator<QueueRecord> change) {
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

    // ---- sending -------------------------------------------------------------------------------------------------

    /**
     * A message entering the queue: sent by a client, or moved here (dead-letter move) with its receive history.
     */
    public record Incoming(MessageData data, Instant visibleAt, Instant retainedFrom, boolean deduplicate,
                           int receiveCount, Instant firstReceivedAt) {
        public static Incoming sent(NewMessage message) {
            return new Incoming(message.data(), message.visibleAt(), message.retainedFrom(), message.deduplicate(),
                    0, null);
        }
    }

    /**
     * One message accepted by {@link #stage}: its payload, its state and, on FIFO queues, the deduplication key it
     * holds (null when none) until {@code deduplicationExpiresAt}.
     */
    public record Accepted(MessageData data, MessageState state, String deduplicationKey,
                           Instant deduplicationExpiresAt) {
    }

    /**
     * Messages accepted but not yet published: they have sequence (and FIFO sequence) numbers and hold their
     * deduplication keys, but no receive can see them until {@link #publish}; {@link #discard} forgets them.
     */
    public static final class Staged {
        private final List<Sent> sent;
        private final List<Accepted> accepted;
        private final List<StoredMessage> messages;

        private Staged(List<Sent> sent, List<Accepted> accepted, List<StoredMessage> messages) {
            this.sent = sent;
            this.accepted = accepted;
            this.messages = messages;
        }

        /** What each incoming message became, in order (duplicates report the original). */
        public List<Sent> sent() {
            return sent;
        }

        /** The messages actually added (duplicates are not), for the store to record. */
        public List<Accepted> accepted() {
            return accepted;
        }
    }

    /** Sends and publishes at once (the in-memory store has nothing to wait for). */
    public List<Sent> send(List<NewMessage> sent, Instant now) {
        lock.lock();
        try {
            Staged staged = stageLocked(sent.stream().map(Incoming::sent).toList(), now);
            publish(staged, now);
            return staged.sent();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stages messages and, still under the queue's lock, hands them to {@code whileLocked} (which must not block) and
     * returns what it returned, so that a store records stagings of one queue in sequence order. The caller then
     * publishes (or discards) them, in staging order.
     */
    public <T> T stage(List<Incoming> incoming, Instant now, Function<Staged, T> whileLocked) {
        lock.lock();
        try {
            return whileLocked.apply(stageLocked(incoming, now));
        } finally {
            lock.unlock();
        }
    }

    private Staged stageLocked(List<Incoming> incoming, Instant now) {
        List<Sent> sent = new ArrayList<>(incoming.size());
        List<Accepted> accepted = new ArrayList<>(incoming.size());
        List<StoredMessage> staged = new ArrayList<>(incoming.size());
        deduplication.sweep(now);
        for (Incoming in : incoming) {
            String dedupKey = null;
            Instant dedupExpiresAt = null;
            if (record.fifo() && in.deduplicate()) {
                dedupKey = DeduplicationWindow.key(in.data().groupId(), in.data().deduplicationId());
                DeduplicationWindow.Original original = deduplication.find(in.data().groupId(),
                        in.data().deduplicationId(), deduplicatePerGroup);
                if (original != null) {
                    sent.add(new Sent(original.messageId(), original.sequenceNumber(), true));
                    continue;
                }
            }
            String sequenceNumber = record.fifo() ? nextFifoSequenceNumber(now) : null;
            StoredMessage message = new StoredMessage(in.data(), nextSequence++, sequenceNumber,
                    in.retainedFrom(), in.receiveCount(), in.firstReceivedAt());
            if (dedupKey != null) {
                dedupExpiresAt = now.plus(Limits.DEDUPLICATION_INTERVAL);
                deduplication.put(dedupKey, new DeduplicationWindow.Original(message.messageId, sequenceNumber,
                        dedupExpiresAt));
            }
            staged.add(message);
            accepted.add(new Accepted(in.data(), new MessageState(message.sequence, message.groupId, sequenceNumber,
                    message.retainedFrom, in.visibleAt(), message.receiveCount, message.firstReceivedAt), dedupKey,
                    dedupExpiresAt));
            sent.add(new Sent(message.messageId, sequenceNumber, false));
        }
        return new Staged(sent, accepted, staged);
    }

    private String nextFifoSequenceNumber(Instant now) {
        lastFifoSequence = Math.max(lastFifoSequence + 1, now.toEpochMilli() * 1_000_000L);
        return fifoSequenceNumber(lastFifoSequence);
    }

    private static String fifoSequenceNumber(long sequence) {
        return "1" + String.format("%019d", sequence);
    }

    /** Makes staged messages receivable (a no-op when the queue was deleted meanwhile). */
    public void publish(Staged staged, Instant now) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            int nowVisible = 0;
            for (int i = 0; i < staged.messages.size(); i++) {
                StoredMessage message = staged.messages.get(i);
                Instant visibleAt = staged.accepted.get(i).state().visibleAt();
                if (goesCold(message, visibleAt, now)) {
                    messages.addCold(message.sequence, message.groupId, message.retainedFrom);
                    nowVisible++;
                    continue;
                }
                messages.add(message, visibleAt, now);
                if (payloads == Payloads.IN_STORE) {
                    message.data = null;
                }
                if (message.state == VISIBLE) {
                    nowVisible++;
                }
            }
            signal(nowVisible);
            keepAlarm(now);
        } finally {
            lock.unlock();
        }
    }

    /** Durable standard queues keep never-received visible messages cold (two longs, no object). */
    private boolean goesCold(StoredMessage message, Instant visibleAt, Instant now) {
        return payloads == Payloads.IN_STORE && !record.fifo() && message.receiveCount == 0
                && !visibleAt.isAfter(now);
    }

    /** Forgets staged messages the store could not record: their deduplication keys are free again. */
    public void discard(Staged staged) {
        lock.lock();
        try {
            for (Accepted accepted : staged.accepted) {
                if (accepted.deduplicationKey() != null) {
                    deduplication.remove(accepted.deduplicationKey());
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Takes dead letters moved here (or back to their source when the dead-letter queue vanished), at once. */
    public void accept(List<DeadLetter> moved, String sourceArn, Instant now) {
        publish(stage(movedIn(moved, sourceArn, now), now, staged -> staged), now);
    }

    /**
     * How dead letters enter this queue: they keep their id, body, attributes, send time and receive history; FIFO
     * queues reset the enqueue time, standard queues keep it (AWS). Their payloads must be loaded.
     *
     * @param sourceArn recorded as their {@code DeadLetterQueueSourceArn}; null to leave them as they are
     */
    public List<Incoming> movedIn(List<DeadLetter> moved, String sourceArn, Instant now) {
        List<Incoming> incoming = new ArrayList<>(moved.size());
        for (DeadLetter letter : moved) {
            MessageData data = sourceArn == null ? letter.data() : letter.data().withDeadLetterQueueSourceArn(sourceArn);
            incoming.add(new Incoming(data, now, record.fifo() ? now : letter.retainedFrom(), false,
                    letter.receiveCount(), letter.firstReceivedAt()));
        }
        return incoming;
    }

    // ---- receiving -----------------------------------------------------------------------------------------------

    /**
     * What a receive hands back: deliveries and their states after the receive (in the same order), messages taken
     * out for the dead-letter queue, and the attempt a store should record (null when none was remembered).
     */
    public record Received(List<Delivery> deliveries, List<MessageState> states, List<DeadLetter> toDeadLetter,
                           ReceiveAttempt remembered) {
    }

    /**
     * Receives up to {@code max} messages (see {@code QueueStore.receive}); with {@code maxReceiveCount > 0} a message
     * received more often goes to {@link Received#toDeadLetter} instead.
     */
    public Received receive(int max, Duration visibilityTimeout, Instant now, int maxReceiveCount, String attemptId) {
        lock.lock();
        try {
            messages.sweepExpired(now.minus(retention), messageExpired);
            messages.promoteDue(now);
            attempts.sweep(now, attemptExpired);
            Received received = attemptId == null ? null : repeatAttempt(attemptId, visibilityTimeout, now);
            if (received == null) {
                received = receiveLocked(max, visibilityTimeout, now, maxReceiveCount, attemptId);
            }
            if (messages.hasReceivable()) {
                waiters.wake(1); // more is receivable than this receive took: pass the turn on (see signal)
            }
            keepAlarm(now);
            return received;
        } finally {
            lock.unlock();
        }
    }

    private Received receiveLocked(int max, Duration visibilityTimeout, Instant now, int maxReceiveCount,
                                   String attemptId) {
        List<Delivery> deliveries = new ArrayList<>(Math.min(max, 16));
        List<MessageState> states = new ArrayList<>(Math.min(max, 16));
        List<DeadLetter> toDeadLetter = new ArrayList<>();
        List<StoredMessage> releaseAfter = new ArrayList<>();
        while (deliveries.size() < max) {
            List<StoredMessage> taken = messages.take(max - deliveries.size());
            if (taken.isEmpty()) {
                break;
            }
            for (StoredMessage message : taken) {
                if (maxReceiveCount > 0 && message.receiveCount + 1 > maxReceiveCount) {
                    messages.drop(message);
                    toDeadLetter.add(new DeadLetter(message.sequence, message.data, message.retainedFrom,
                            message.receiveCount, message.firstReceivedAt));
                    continue;
                }
                message.receiveCount++;
                if (message.firstReceivedAt == null) {
                    message.firstReceivedAt = now;
                }
                if (visibilityTimeout.isZero()) {
                    releaseAfter.add(message); // visible again, but not to this same receive
                } else {
                    messages.hide(message, now.plus(visibilityTimeout));
                }
                deliveries.add(delivery(message, now));
                states.add(message.snapshot(now));
            }
        }
        for (StoredMessage message : releaseAfter) {
            messages.release(message);
        }
        ReceiveAttempt remembered = null;
        if (attemptId != null && !deliveries.isEmpty()) {
            remembered = new ReceiveAttempt(attemptId, deliveries.stream()
                    .map(d -> new ReceiveAttempt.Receipt(d.sequence(), d.receiveCount())).toList(), now,
                    now.plus(Limits.DEDUPLICATION_INTERVAL));
            attempts.put(attemptId, remembered);
        }
        return new Received(deliveries, states, toDeadLetter, remembered);
    }

    /**
     * A retried receive: the remembered deliveries again, their visibility reset, if every message is still at that
     * receive; else the attempt is forgotten (null) and the caller receives anew.
     */
    private Received repeatAttempt(String attemptId, Duration visibilityTimeout, Instant now) {
        ReceiveAttempt attempt = attempts.get(attemptId);
        if (attempt == null) {
            return null;
        }
        List<StoredMessage> held = new ArrayList<>(attempt.receipts().size());
        for (ReceiveAttempt.Receipt receipt : attempt.receipts()) {
            StoredMessage message = messages.get(receipt.sequence());
            if (message == null || message.receiveCount != receipt.receiveCount()) {
                attempts.remove(attemptId);
                return null;
            }
            held.add(message);
        }
        List<Delivery> deliveries = new ArrayList<>(held.size());
        List<MessageState> states = new ArrayList<>(held.size());
        for (StoredMessage message : held) {
            if (messages.changeVisibility(message, now.plus(visibilityTimeout), now)) {
                signal(1);
            }
            deliveries.add(delivery(message, attempt.receivedAt()));
            states.add(message.snapshot(now));
        }
        return new Received(deliveries, states, List.of(), null);
    }

    private static Delivery delivery(StoredMessage message, Instant receivedAt) {
        return new Delivery(message.data, message.sequence, message.receiveCount, message.firstReceivedAt,
                receivedAt, message.sequenceNumber);
    }

    // ---- deleting and visibility ---------------------------------------------------------------------------------

    public DeleteOutcome delete(long sequence, int receiveCount, Instant now) {
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

    /** What a delete with this receipt would do, without doing it (a durable store deletes on disk first). */
    public DeleteOutcome checkDelete(long sequence, int receiveCount, Instant now) {
        lock.lock();
        try {
            messages.sweepExpired(now.minus(retention), messageExpired);
            messages.promoteDue(now);
            // Receive count 0 names a message never received (the console deletes by what it showed): one not yet
            // in memory after a restart is brought in first. Receipts of receives never take this path.
            StoredMessage message = receiveCount == 0 ? messages.getOrMaterialize(sequence) : messages.get(sequence);
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
    public void removeIfPresent(long sequence) {
        lock.lock();
        try {
            StoredMessage message = messages.get(sequence);
            if (message != null) {
                messages.remove(message);
                if (record.fifo()) {
                    signal(1); // the delete may have unlocked its group
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes the message invisible until {@code visibleAt} (visible now if not after {@code now}) if
     * {@code receiveCount} names its latest receive; its state afterwards, or empty when refused.
     */
    public Optional<MessageState> changeVisibility(long sequence, int receiveCount, Instant visibleAt, Instant now) {
        lock.lock();
        try {
            messages.sweepExpired(now.minus(retention), messageExpired);
            messages.promoteDue(now);
            StoredMessage message = messages.get(sequence);
            // A receipt of an earlier receive still changes a message that is in flight now (AWS accepts it).
            boolean earlierReceiptOfInFlight = message != null && receiveCount < message.receiveCount
                    && message.state == IN_FLIGHT;
            if (message == null || message.receiveCount != receiveCount && !earlierReceiptOfInFlight) {
                return Optional.empty();
            }
            if (messages.changeVisibility(message, visibleAt, now)) {
                signal(1);
            }
            keepAlarm(now);
            return Optional.of(message.snapshot(now));
        } finally {
            lock.unlock();
        }
    }

    // ---- purging -------------------------------------------------------------------------------------------------

    /** Purges every message now unless the queue was purged after {@code notPurgedSince}; whether it did. */
    public boolean purge(Instant now, Instant notPurgedSince) {
        lock.lock();
        try {
            PurgeReservation reservation = reservePurge(now, notPurgedSince);
            if (reservation == null) {
                return false;
            }
            messages.clear();
            deduplication.forget(reservation.deduplicationKeys(), reservation.lastSequenceNumber());
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A purge that a store records before it takes effect: up to which sequence it removes (what was sent before it
     * began), the purge it replaces in the window, and the deduplication keys it frees (AWS forgets a FIFO queue's
     * deduplication ids on a purge), those of messages up to {@code lastSequenceNumber}.
     */
    public record PurgeReservation(long lastSequence, Instant purgedAt, Instant previousPurgeAt,
                                   List<String> deduplicationKeys, String lastSequenceNumber) {
    }

    /**
     * Reserves the purge window unless the queue was purged after {@code notPurgedSince} (then null); the caller then
     * records the purge and applies it ({@link #purgeUpTo}) or gives the window back ({@link #cancelPurge}).
     */
    public PurgeReservation reservePurge(Instant now, Instant notPurgedSince) {
        lock.lock();
        try {
            if (lastPurgedAt != null && lastPurgedAt.isAfter(notPurgedSince)) {
                return null;
            }
            PurgeReservation reservation = new PurgeReservation(nextSequence - 1, now, lastPurgedAt,
                    deduplication.keys(), fifoSequenceNumber(lastFifoSequence));
            lastPurgedAt = now;
            return reservation;
        } finally {
            lock.unlock();
        }
    }

    /** Removes every message the reservation covers (messages sent after the purge began stay). */
    public void purgeUpTo(PurgeReservation reservation) {
        lock.lock();
        try {
            messages.removeUpTo(reservation.lastSequence());
            deduplication.forget(reservation.deduplicationKeys(), reservation.lastSequenceNumber());
        } finally {
            lock.unlock();
        }
    }

    /** The purge was not recorded: the window is as it was before the reservation. */
    public void cancelPurge(PurgeReservation reservation) {
        lock.lock();
        try {
            if (reservation.purgedAt().equals(lastPurgedAt)) {
                lastPurgedAt = reservation.previousPurgeAt();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- counting and waiting ------------------------------------------------------------------------------------

    /**
     * Up to {@code limit} messages after {@code afterSequence}, in sequence order, as they are; payloads null when
     * they live in the store. Only retention's sweep and due delays run, as for {@link #counts}.
     */
    public List<PeekedMessage> peek(long afterSequence, int limit, Instant now) {
        lock.lock();
        try {
            messages.sweepExpired(now.minus(retention), messageExpired);
            messages.promoteDue(now);
            return messages.peek(afterSequence, limit);
        } finally {
            lock.unlock();
        }
    }

    public QueueCounts counts(Instant now) {
        lock.lock();
        try {
            messages.sweepExpired(now.minus(retention), messageExpired);
            messages.promoteDue(now);
            return new QueueCounts(messages.visibleCount(), messages.inFlightCount(), messages.delayedCount(),
                    messages.oldestRetainedFrom());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code wake} once something may be receivable (a send, a message whose visibility timeout or delay ends:
     * see {@link Waiters}), the queue closes, or {@code timer}'s clock reaches {@code deadline}; right away when one of
     * those holds now.
     */
    public void whenReceivable(Instant deadline, Instant now, Timer timer, Runnable wake) {
        lock.lock();
        try {
            messages.promoteDue(now);
            if (!closed && !messages.hasReceivable() && deadline.isAfter(now)) {
                waiters.join(wake, deadline, timer);
                keepAlarm(now);
                return;
            }
        } finally {
            lock.unlock();
        }
        wake.run();
    }

    /** Deleted queue or server shutdown: no one may wait here any more. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            waiters.wakeAll();
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
        if (newlyVisible > 0 && messages.hasReceivable()) {
            waiters.wake(record.fifo() ? 1 : newlyVisible);
        }
    }

    /** Restores the alarm invariant: while polls wait and a message is pending, an alarm rings when the first is due. */
    private void keepAlarm(Instant now) {
        Instant earliest = messages.earliestPending();
        if (!waiters.isEmpty() && earliest != null) {
            waiters.wakeOneAt(earliest.isAfter(now) ? earliest : now);
        }
    }

    // ---- recovery ------------------------------------------------------------------------------------------------

    /** Puts back a message a store recorded (messages arrive in sequence order). */
    public void restore(MessageState state, Instant now) {
        lock.lock();
        try {
            nextSequence = Math.max(nextSequence, state.sequence() + 1);
            if (state.sequenceNumber() != null) {
                lastFifoSequence = Math.max(lastFifoSequence, Long.parseLong(state.sequenceNumber().substring(1)));
            }
            if (payloads == Payloads.IN_STORE && !record.fifo() && state.receiveCount() == 0
                    && !state.visibleAt().isAfter(now)) {
                messages.addCold(state.sequence(), state.groupId(), state.retainedFrom());
                return;
            }
            messages.restore(new StoredMessage(state.sequence(), null, state.groupId(), state.sequenceNumber(),
                    state.retainedFrom(), state.receiveCount(), state.firstReceivedAt()), state.visibleAt(), now);
        } finally {
            lock.unlock();
        }
    }

    /** Puts back a deduplication key a store recorded (call in the order they were accepted). */
    public void restoreDeduplication(String key, String messageId, String sequenceNumber, Instant expiresAt) {
        lock.lock();
        try {
            deduplication.put(key, new DeduplicationWindow.Original(messageId, sequenceNumber, expiresAt));
        } finally {
            lock.unlock();
        }
    }

    /** Puts back a receive attempt a store recorded (call in the order they were made). */
    public void restoreAttempt(ReceiveAttempt attempt) {
        lock.lock();
        try {
            attempts.put(attempt.attemptId(), attempt);
        } finally {
            lock.unlock();
        }
    }

    /** Puts back when the queue was last purged. */
    public void restoreLastPurge(Instant purgedAt) {
        lock.lock();
        try {
            lastPurgedAt = purgedAt;
        } finally {
            lock.unlock();
        }
    }

    /** Checks the invariants of {@link Messages} (a self-check for tests and diagnostics). */
    public boolean invariantsHold() {
        lock.lock();
        try {
            return messages.invariantHolds();
        } finally {
            lock.unlock();
        }
    }
}
