package dev.postbox.store.memory;

import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.time.Timer;
import dev.postbox.store.memory.engine.MemoryQueue;
import dev.postbox.store.memory.engine.MoveTaskTable;
import dev.postbox.store.memory.engine.Payloads;
import dev.postbox.store.memory.engine.QueueTable;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static java.util.concurrent.CompletableFuture.completedFuture;

/**
 * Ephemeral storage: every queue lives on the heap, one {@link MemoryQueue} (and one lock) per queue. Nothing here
 * waits for anything, so every future it returns is already complete (failed with the {@code SqsException} a step
 * threw, if one did).
 */
public final class InMemoryQueueStore implements QueueStore {
    private final QueueTable queues = new QueueTable();
    /** Serialises queue creates and deletes (the freed names) and move-task changes: both are rare. */
    private final ReentrantLock metadata = new ReentrantLock();
    private final MoveTaskTable moveTasks = new MoveTaskTable();
    private final byte[] secret = new byte[32];

    public InMemoryQueueStore() {
        new SecureRandom().nextBytes(secret);
    }

    @Override
    public byte[] receiptHandleSecret() {
        return secret.clone();
    }

    @Override
    public CompletableFuture<CreateOutcome> createQueue(QueueRecord proposed, Instant nameFreeSince) {
        return metadataChange(() -> {
            queues.forgetDeletedUpTo(nameFreeSince);
            MemoryQueue existing = queues.get(proposed.key());
            if (existing != null) {
                return new CreateOutcome(existing.record(), CreateOutcome.Status.EXISTS);
            }
            if (queues.deletedAfter(proposed.key(), nameFreeSince)) {
                return new CreateOutcome(null, CreateOutcome.Status.NAME_RECENTLY_DELETED);
            }
            queues.put(proposed.key(), new MemoryQueue(proposed, Payloads.IN_ENGINE));
            return new CreateOutcome(proposed, CreateOutcome.Status.CREATED);
        });
    }

    @Override
    public CompletableFuture<Optional<QueueRecord>> queue(QueueKey key) {
        return completedFuture(queues.record(key));
    }

    @Override
    public CompletableFuture<List<QueueRecord>> queues(String region, String accountId, String namePrefix) {
        return completedFuture(queues.records(region, accountId, namePrefix));
    }

    @Override
    public CompletableFuture<List<QueueRecord>> allQueues() {
        return completedFuture(queues.allRecords());
    }

    @Override
    public CompletableFuture<Boolean> deleteQueue(QueueKey key, Instant now) {
        return metadataChange(() -> {
            MemoryQueue removed = queues.remove(key);
            if (removed == null) {
                return false;
            }
            queues.deleted(key, now);
            removed.close();
            return true;
        });
    }

    @Override
    public CompletableFuture<QueueRecord> updateQueue(QueueKey key, UnaryOperator<QueueRecord> change) {
        return completed(() -> queues.require(key).update(change));
    }

    @Override
    public CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now) {
        return completed(() -> queues.require(key).send(messages, now));
    }

    /**
     * Messages to dead-letter leave the source under its lock and enter the DLQ under the DLQ's lock afterwards,
     * so no thread ever holds two queue locks. If the DLQ vanished in between, they go back to the source.
     */
    @Override
    public CompletableFuture<List<Delivery>> receive(QueueKey key, Receive receive, Instant now) {
        return completed(() -> {
            MemoryQueue source = queues.require(key);
            Redrive redrive = receive.redrive();
            MemoryQueue deadLetter = redrive == null ? null : queues.get(redrive.deadLetterQueue());
            MemoryQueue.Received received = source.receive(receive.max(), receive.visibilityTimeout(), now,
                    deadLetter == null ? 0 : redrive.maxReceiveCount(), receive.attemptId());
            if (!received.toDeadLetter().isEmpty()) {
                if (queues.get(redrive.deadLetterQueue()) == deadLetter) {
                    deadLetter.accept(received.toDeadLetter(), redrive.sourceArn(), now);
                } else {
                    source.accept(received.toDeadLetter(), null, now);
                }
            }
            return received.deliveries();
        });
    }

    @Override
    public CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now) {
        return completed(() -> queues.require(key).delete(sequence, receiveCount, now));
    }

    @Override
    public CompletableFuture<Boolean> changeVisibility(QueueKey key, long sequence, int receiveCount,
                                                       Instant visibleAt, Instant now) {
        return completed(() -> queues.require(key).changeVisibility(sequence, receiveCount, visibleAt, now).isPresent());
    }

    @Override
    public CompletableFuture<Boolean> purge(QueueKey key, Instant now, Instant notPurgedSince) {
        return completed(() -> queues.require(key).purge(now, notPurgedSince));
    }

    @Override
    public CompletableFuture<QueueCounts> counts(QueueKey key, Instant now) {
        return completed(() -> queues.require(key).counts(now));
    }

    @Override
    public CompletableFuture<List<PeekedMessage>> peek(QueueKey key, long afterSequence, int limit, Instant now) {
        return completed(() -> queues.require(key).peek(afterSequence, limit, now)); // payloads are in memory
    }

    @Override
    public void whenReceivable(QueueKey key, Instant deadline, Instant now, Timer timer, Runnable wake) {
        queues.whenReceivable(key, deadline, now, timer, wake);
    }

    @Override
    public CompletableFuture<Optional<MoveTask>> startMoveTask(MoveTask task) {
        return metadataChange(() -> Optional.ofNullable(moveTasks.start(task)).map(MoveTaskTable.Started::task));
    }

    @Override
    public CompletableFuture<List<MoveTask>> moveTasks(String sourceArn) {
        return metadataChange(() -> moveTasks.tasks(sourceArn));
    }

    @Override
    public CompletableFuture<Optional<MoveTask>> updateMoveTask(String sourceArn, String taskId,
                                                                UnaryOperator<MoveTask> change) {
        return metadataChange(() -> moveTasks.update(sourceArn, taskId, change));
    }

    @Override
    public CompletableFuture<List<MoveTask>> activeMoveTasks() {
        return metadataChange(moveTasks::active);
    }

    @Override
    public void wakeAllWaiters() {
        queues.closeAll();
    }

    @Override
    public void close() {
        wakeAllWaiters();
    }

    /** The structural invariants of every queue (the contract tests check them after each test). */
    boolean invariantsHold() {
        return queues.invariantsHold();
    }

    /** A change of queues or move tasks, one at a time. */
    private <T> CompletableFuture<T> metadataChange(Supplier<T> change) {
        metadata.lock();
        try {
            return completed(change);
        } finally {
            metadata.unlock();
        }
    }

    /** The step's result as a completed future, or the exception it threw as a failed one. */
    private static <T> CompletableFuture<T> completed(Supplier<T> step) {
        try {
            return completedFuture(step.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
