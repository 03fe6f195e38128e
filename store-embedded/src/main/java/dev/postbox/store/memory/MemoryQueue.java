package dev.postbox.store.memory;

import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore.DeleteOutcome;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.function.UnaryOperator;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One standard queue's messages, owned behind one lock.
 *
 * <p>Design: every message is in {@link #bySequence} and in exactly one of {@link #ready} (visible now) or
 * {@link #pending} (delayed or in flight, ordered by the instant it becomes visible). No timer exists per message:
 * each operation first drops expired messages ({@link #sweepExpired}) and moves due ones from pending to ready
 * ({@link #promoteDue}). Sequence numbers grow with send time, so the oldest message is always the first entry of
 * {@code bySequence} and retention is checked by peeking at it.
 *
 * <p>Invariant: {@code bySequence.size() == ready.size() + pending.size()}, and
 * {@code pending.size() == inFlight + delayed}.
 */
final class MemoryQueue {
    private enum State { READY, DELAYED, IN_FLIGHT }

    private static final class Message {
        final MessageData data;
        final long sequence;
        State state;
        Instant visibleAt;
        int receiveCount;
        Instant firstReceivedAt;

        Message(MessageData data, long sequence) {
            this.data = data;
            this.sequence = sequence;
        }
    }

    private static final Comparator<Message> BY_VISIBLE_AT =
            Comparator.<Message, Instant>comparing(m -> m.visibleAt).thenComparingLong(m -> m.sequence);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition receivable = lock.newCondition();
    private final TreeMap<Long, Message> bySequence = new TreeMap<>();
    private final TreeMap<Long, Message> ready = new TreeMap<>();
    private final TreeSet<Message> pending = new TreeSet<>(BY_VISIBLE_AT);
    private long inFlight;
    private long delayed;
    private long nextSequence = 1;
    private boolean closed;
    private volatile QueueRecord record;
    private Duration retention;

    MemoryQueue(QueueRecord record) {
        setRecord(record);
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
    }

    void send(List<NewMessage> messages) {
        lock.lock();
        try {
            int nowReady = 0;
            for (NewMessage newMessage : messages) {
                Message message = new Message(newMessage.data(), nextSequence++);
                bySequence.put(message.sequence, message);
                if (newMessage.visibleAt().isAfter(newMessage.data().sentAt())) {
                    toPending(message, State.DELAYED, newMessage.visibleAt());
                } else {
                    toReady(message);
                    nowReady++;
                }
            }
            for (int i = 0; i < nowReady; i++) {
                receivable.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    List<Delivery> receive(int max, Duration visibilityTimeout, Instant now) {
        lock.lock();
        try {
            sweepExpired(now);
            promoteDue(now);
            List<Delivery> deliveries = new ArrayList<>(Math.min(max, ready.size()));
            List<Message> stillVisible = new ArrayList<>();
            while (deliveries.size() < max && !ready.isEmpty()) {
                Message message = ready.pollFirstEntry().getValue();
                message.receiveCount++;
                if (message.firstReceivedAt == null) {
                    message.firstReceivedAt = now;
                }
                if (visibilityTimeout.isZero()) {
                    stillVisible.add(message);
                } else {
                    message.state = null;
                    toPending(message, State.IN_FLIGHT, now.plus(visibilityTimeout));
                }
                deliveries.add(new Delivery(message.data, message.sequence, message.receiveCount,
                        message.firstReceivedAt));
            }
            stillVisible.forEach(this::toReady);
            return deliveries;
        } finally {
            lock.unlock();
        }
    }

    DeleteOutcome delete(long sequence, int receiveCount) {
        lock.lock();
        try {
            Message message = bySequence.get(sequence);
            if (message == null) {
                return DeleteOutcome.NOT_FOUND;
            }
            if (message.receiveCount != receiveCount) {
                return DeleteOutcome.STALE_RECEIPT;
            }
            detach(message);
            bySequence.remove(sequence);
            return DeleteOutcome.DELETED;
        } finally {
            lock.unlock();
        }
    }

    boolean changeVisibility(long sequence, int receiveCount, Instant visibleAt, Instant now) {
        lock.lock();
        try {
            sweepExpired(now);
            Message message = bySequence.get(sequence);
            if (message == null || message.receiveCount != receiveCount) {
                return false;
            }
            detach(message);
            if (visibleAt.isAfter(now)) {
                toPending(message, State.IN_FLIGHT, visibleAt);
            } else {
                toReady(message);
                receivable.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void purge() {
        lock.lock();
        try {
            bySequence.clear();
            ready.clear();
            pending.clear();
            inFlight = 0;
            delayed = 0;
        } finally {
            lock.unlock();
        }
    }

    QueueCounts counts(Instant now) {
        lock.lock();
        try {
            sweepExpired(now);
            promoteDue(now);
            return new QueueCounts(ready.size(), inFlight, delayed);
        } finally {
            lock.unlock();
        }
    }

    void awaitReceivable(Duration maxWait, Instant now) throws InterruptedException {
        lock.lock();
        try {
            promoteDue(now);
            if (!ready.isEmpty() || closed) {
                return;
            }
            long waitNanos = maxWait.toNanos();
            if (!pending.isEmpty()) {
                Duration untilNext = Duration.between(now, pending.first().visibleAt);
                waitNanos = Math.min(waitNanos, Math.max(0, untilNext.toNanos()));
            }
            if (waitNanos > 0) {
                receivable.awaitNanos(waitNanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Deleted queue or server shutdown: no one may wait here any more. */
    void close() {
        lock.lock();
        try {
            closed = true;
            receivable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Checks the invariant of the class comment (for tests). */
    boolean invariantHolds() {
        lock.lock();
        try {
            long pendingInFlight = pending.stream().filter(m -> m.state == State.IN_FLIGHT).count();
            return bySequence.size() == ready.size() + pending.size() && pending.size() == inFlight + delayed
                    && pendingInFlight == inFlight;
        } finally {
            lock.unlock();
        }
    }

    private void sweepExpired(Instant now) {
        Instant oldestAllowed = now.minus(retention);
        while (!bySequence.isEmpty()) {
            Message oldest = bySequence.firstEntry().getValue();
            if (oldest.data.sentAt().isAfter(oldestAllowed)) {
                return;
            }
            detach(oldest);
            bySequence.pollFirstEntry();
        }
    }

    private void promoteDue(Instant now) {
        while (!pending.isEmpty() && !pending.first().visibleAt.isAfter(now)) {
            Message message = pending.first();
            detach(message);
            toReady(message);
        }
    }

    private void toReady(Message message) {
        message.state = State.READY;
        message.visibleAt = null;
        ready.put(message.sequence, message);
    }

    private void toPending(Message message, State state, Instant visibleAt) {
        message.state = state;
        message.visibleAt = visibleAt;
        pending.add(message);
        if (state == State.IN_FLIGHT) {
            inFlight++;
        } else {
            delayed++;
        }
    }

    /** Removes the message from ready or pending (not from bySequence). */
    private void detach(Message message) {
        if (message.state == State.READY) {
            ready.remove(message.sequence);
        } else if (message.state != null) {
            pending.remove(message);
            if (message.state == State.IN_FLIGHT) {
                inFlight--;
            } else {
                delayed--;
            }
        }
        message.state = null;
    }
}
