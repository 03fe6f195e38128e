package dev.postbox.store.embedded;

import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

/** Ephemeral storage: every queue lives on the heap, one {@link MemoryQueue} (and one lock) per queue. */
public final class InMemoryQueueStore implements QueueStore {
    private final QueueTable queues = new QueueTable();
    private final byte[] secret = new byte[32];

    public InMemoryQueueStore() {
        new java.security.SecureRandom().nextBytes(secret);
    }

    @Override
    public byte[] receiptHandleSecret() {
        return secret.clone();
    }

    @Override
    public CreateOutcome createQueue(QueueRecord proposed) {
        MemoryQueue created = new MemoryQueue(proposed, true);
        MemoryQueue existing = queues.putIfAbsent(proposed.key(), created);
        return existing == null ? new CreateOutcome(proposed, true) : new CreateOutcome(existing.record(), false);
    }

    @Override
    public Optional<QueueRecord> queue(QueueKey key) {
        return queues.record(key);
    }

    @Override
    public List<QueueRecord> queues(String accountId, String namePrefix) {
        return queues.records(accountId, namePrefix);
    }

    @Override
    public boolean deleteQueue(QueueKey key) {
        MemoryQueue removed = queues.remove(key);
        if (removed == null) {
            return false;
        }
        removed.close();
        return true;
    }

    @Override
    public QueueRecord updateQueue(QueueKey key, UnaryOperator<QueueRecord> change) {
        return require(key).update(change);
    }

    @Override
    public CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now) {
        return CompletableFuture.completedFuture(require(key).send(messages, now));
    }

    /**
     * Messages to dead-letter leave the source under its lock and enter the DLQ under the DLQ's lock afterwards,
     * so no thread ever holds two queue locks. If the DLQ vanished in between, they go back to the source.
     */
    @Override
    public List<Delivery> receive(QueueKey key, int max, Duration visibilityTimeout, Instant now, Redrive redrive) {
        MemoryQueue source = require(key);
        MemoryQueue deadLetter = redrive == null ? null : queues.get(redrive.deadLetterQueue());
        MemoryQueue.Received received = source.receive(max, visibilityTimeout, now,
                deadLetter == null ? 0 : redrive.maxReceiveCount());
        if (!received.toDeadLetter().isEmpty()) {
            if (queues.get(redrive.deadLetterQueue()) == deadLetter) {
                deadLetter.accept(received.toDeadLetter(), redrive.sourceArn(), now);
            } else {
                source.accept(received.toDeadLetter(), null, now);
            }
        }
        return received.deliveries();
    }

    @Override
    public CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now) {
        return CompletableFuture.completedFuture(require(key).delete(sequence, receiveCount, now));
    }

    @Override
    public boolean changeVisibility(QueueKey key, long sequence, int receiveCount, Instant visibleAt, Instant now) {
        return require(key).changeVisibility(sequence, receiveCount, visibleAt, now);
    }

    @Override
    public void purge(QueueKey key) {
        require(key).purge();
    }

    @Override
    public QueueCounts counts(QueueKey key, Instant now) {
        return require(key).counts(now);
    }

    @Override
    public void whenReceivable(QueueKey key, Duration maxWait, Instant now, ScheduledExecutorService timer,
                               Runnable wake) {
        require(key).whenReceivable(maxWait, now, timer, wake);
    }

    @Override
    public void wakeAllWaiters() {
        queues.closeAll();
    }

    @Override
    public void close() {
        wakeAllWaiters();
    }

    /** For tests: the structural invariant of every queue. */
    public boolean invariantsHold() {
        return queues.invariantsHold();
    }

    private MemoryQueue require(QueueKey key) {
        return queues.require(key);
    }
}
