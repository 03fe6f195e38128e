package dev.postbox.store.rocksdb;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.time.Timer;
import dev.postbox.store.memory.engine.DeadLetter;
import dev.postbox.store.memory.engine.Expiry;
import dev.postbox.store.memory.engine.MemoryQueue;
import dev.postbox.store.memory.engine.MessageState;
import dev.postbox.store.memory.engine.MoveTaskTable;
import dev.postbox.store.memory.engine.Payloads;
import dev.postbox.store.memory.engine.QueueTable;
import dev.postbox.store.rocksdb.journal.Batch;
import dev.postbox.store.rocksdb.journal.Codec;
import dev.postbox.store.rocksdb.journal.CommitStats;
import dev.postbox.store.rocksdb.journal.Codec.StateKeys;
import dev.postbox.store.rocksdb.journal.ColumnFamily;
import dev.postbox.store.rocksdb.journal.Journal;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Durable storage: the queue engine ({@link MemoryQueue}s: the index of every message, orders, windows, waiters) with
 * every acknowledged change first written through the {@link Journal}'s group commit, and message payloads on disk
 * only (loaded for each delivery).
 *
 * <p>What waits for the disk: queue creation, deletion and updates, move-task changes, sends (a message becomes
 * receivable only once it is durable), deletes and purges (a message leaves memory only once its deletion is
 * durable). What does not: receive bookkeeping (receive count, visibility deadline, the receive attempt) and
 * visibility changes, written in the next group commit without anyone waiting — after a crash, an in-flight message
 * may become visible earlier than its timeout said, which is at-least-once delivery.
 *
 * <p>Threads (the {@link QueueStore} contract: nothing blocks its caller): sends, deletes and purges are staged on the
 * caller's thread and complete on the committer thread; a receive takes its messages on the caller's thread and reads
 * their payloads on a virtual thread; changes to queues and move tasks (rare) run on a virtual thread each, one at a
 * time, so that disk and memory apply them in the same order.
 */
public final class RocksDbQueueStore implements QueueStore {
    private static final Executor VIRTUAL_THREADS = Thread::startVirtualThread;

    private final Journal journal;
    private final QueueTable queues = new QueueTable();
    private final MoveTaskTable moveTasks = new MoveTaskTable();
    /** Serialises changes to queue records, tombstones and move tasks, so that disk and memory apply them in order. */
    private final ReentrantLock metadataLock = new ReentrantLock();

    private RocksDbQueueStore(Journal journal) {
        this.journal = journal;
    }

    /** What the store's group committer did since it opened (the server's metrics). */
    public CommitStats commitStats() {
        return journal.commitStats();
    }

    /**
     * Opens (or creates) the data directory and loads every queue, message index and window from it.
     *
     * @param olderDataRegion the region of queues stored before queues had regions (the server's {@code sqs.region})
     */
    public static RocksDbQueueStore open(Journal.Settings settings, InstantSource clock, String olderDataRegion) {
        return open(Journal.open(settings), clock, olderDataRegion);
    }

    /** A store over an open journal, which it then owns (closes). */
    public static RocksDbQueueStore open(Journal journal, InstantSource clock, String olderDataRegion) {
        RocksDbQueueStore store = new RocksDbQueueStore(journal);
        try {
            new Recovery(journal, store.queues, store.moveTasks, store::newQueue, olderDataRegion)
                    .run(clock.instant());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private MemoryQueue newQueue(QueueRecord record) {
        MemoryQueue queue = new MemoryQueue(record, Payloads.IN_STORE);
        long incarnation = record.incarnation();
        queue.setExpiry(new Expiry() {
            @Override
            public void messageExpired(long sequence) {
                byte[] key = Codec.messageKey(incarnation, sequence);
                journal.submit(new Batch().delete(ColumnFamily.INDEX, key).delete(ColumnFamily.MESSAGES, key));
            }

            @Override
            public void deduplicationExpired(String deduplicationKey) {
                journal.submit(new Batch().delete(ColumnFamily.DEDUP, Codec.dedupKey(incarnation, deduplicationKey)));
            }

            @Override
            public void attemptExpired(String attemptId) {
                journal.submit(new Batch().delete(ColumnFamily.DEFAULT, StateKeys.attempt(incarnation, attemptId)));
            }
        });
        return queue;
    }

    @Override
    public byte[] receiptHandleSecret() {
        return journal.secret();
    }

    // ---- queues --------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<CreateOutcome> createQueue(QueueRecord proposed, Instant nameFreeSince) {
        return metadataChange(() -> {
            Batch batch = new Batch();
            for (QueueKey freed : queues.forgetDeletedUpTo(nameFreeSince)) {
                batch.delete(ColumnFamily.DEFAULT, StateKeys.tombstone(freed));
            }
            MemoryQueue existing = queues.get(proposed.key());
            CreateOutcome outcome;
            if (existing != null) {
                outcome = new CreateOutcome(existing.record(), CreateOutcome.Status.EXISTS);
            } else if (queues.deletedAfter(proposed.key(), nameFreeSince)) {
                outcome = new CreateOutcome(null, CreateOutcome.Status.NAME_RECENTLY_DELETED);
            } else {
                batch.put(ColumnFamily.QUEUES, Codec.queueKey(proposed.key()), Codec.encodeQueue(proposed));
                outcome = new CreateOutcome(proposed, CreateOutcome.Status.CREATED);
            }
            await(journal.submit(batch));
            if (outcome.status() == CreateOutcome.Status.CREATED) {
                queues.put(proposed.key(), newQueue(proposed));
            }
            return outcome;
        });
    }

    @Override
    public CompletableFuture<Optional<QueueRecord>> queue(QueueKey key) {
        return CompletableFuture.completedFuture(queues.record(key));
    }

    @Override
    public CompletableFuture<List<QueueRecord>> queues(String region, String accountId, String namePrefix) {
        return CompletableFuture.completedFuture(queues.records(region, accountId, namePrefix));
    }

    @Override
    public CompletableFuture<List<QueueRecord>> allQueues() {
        return CompletableFuture.completedFuture(queues.allRecords());
    }

    @Override
    public CompletableFuture<Boolean> deleteQueue(QueueKey key, Instant now) {
        return metadataChange(() -> {
            MemoryQueue queue = queues.get(key);
            if (queue == null) {
                return false;
            }
            long incarnation = queue.record().incarnation();
            byte[] from = Codec.prefix(incarnation);
            byte[] to = Codec.prefixEnd(incarnation);
            await(journal.submit(new Batch().delete(ColumnFamily.QUEUES, Codec.queueKey(key))
                    .deleteRange(ColumnFamily.MESSAGES, from, to).deleteRange(ColumnFamily.INDEX, from, to)
                    .deleteRange(ColumnFamily.DEDUP, from, to)
                    .deleteRange(ColumnFamily.DEFAULT, StateKeys.attempts(incarnation),
                            StateKeys.attemptsEnd(incarnation))
                    .delete(ColumnFamily.DEFAULT, StateKeys.purge(incarnation))
                    .put(ColumnFamily.DEFAULT, StateKeys.tombstone(key), Codec.encodeMillis(now))));
            queues.remove(key);
            queues.deleted(key, now);
            queue.close();
            return true;
        });
    }

    @Override
    public CompletableFuture<QueueRecord> updateQueue(QueueKey key, UnaryOperator<QueueRecord> change) {
        return metadataChange(() -> {
            MemoryQueue queue = queues.require(key);
            QueueRecord updated = change.apply(queue.record());
            await(journal.submit(new Batch().put(ColumnFamily.QUEUES, Codec.queueKey(key),
                    Codec.encodeQueue(updated))));
            return queue.update(current -> updated);
        });
    }

    // ---- messages ------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            return CompletableFuture.failedFuture(SqsException.queueDoesNotExist());
        }
        return queue.stage(messages.stream().map(MemoryQueue.Incoming::sent).toList(), now,
                staged -> whenCommitted(journal.submit(recording(queue, staged, new Batch(), now)), staged.sent()));
    }

    /** Writes the staged messages (payload, index entry, deduplication key), publishes them when durable. */
    private static Batch recording(MemoryQueue queue, MemoryQueue.Staged staged, Batch batch, Instant now) {
        long incarnation = queue.record().incarnation();
        for (MemoryQueue.Accepted accepted : staged.accepted()) {
            MessageState state = accepted.state();
            byte[] key = Codec.messageKey(incarnation, state.sequence());
            batch.put(ColumnFamily.MESSAGES, key, MessageDataCodec.encode(accepted.data()));
            batch.put(ColumnFamily.INDEX, key, Codec.encodeIndex(state));
            if (accepted.deduplicationKey() != null) {
                batch.put(ColumnFamily.DEDUP, Codec.dedupKey(incarnation, accepted.deduplicationKey()),
                        Codec.encodeDedup(new Codec.DedupEntry(accepted.data().messageId(), state.sequenceNumber(),
                                accepted.deduplicationExpiresAt().toEpochMilli())));
            }
        }
        return batch.onCommitted(() -> queue.publish(staged, now)).onFailed(() -> queue.discard(staged));
    }

    /**
     * Takes the messages in memory on the caller's thread; reads their payloads, moves dead letters and writes the
     * bookkeeping (best effort, not awaited) on a virtual thread.
     */
    @Override
    public CompletableFuture<List<Delivery>> receive(QueueKey key, Receive receive, Instant now) {
        MemoryQueue source = queues.get(key);
        if (source == null) {
            return CompletableFuture.failedFuture(SqsException.queueDoesNotExist());
        }
        Redrive redrive = receive.redrive();
        MemoryQueue deadLetter = redrive == null ? null : queues.get(redrive.deadLetterQueue());
        MemoryQueue.Received received = source.receive(receive.max(), receive.visibilityTimeout(), now,
                deadLetter == null ? 0 : redrive.maxReceiveCount(), receive.attemptId());
        if (received.deliveries().isEmpty() && received.toDeadLetter().isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.supplyAsync(() -> {
            if (!received.toDeadLetter().isEmpty()) {
                moveToDeadLetterQueue(source, received.toDeadLetter(), deadLetter, redrive, now);
            }
            return loadAndRecord(source, received);
        }, VIRTUAL_THREADS);
    }

    /** The deliveries with their payloads; their new states (and the attempt) go to disk without anyone waiting. */
    private List<Delivery> loadAndRecord(MemoryQueue source, MemoryQueue.Received received) {
        if (received.deliveries().isEmpty()) {
            return List.of();
        }
        long incarnation = source.record().incarnation();
        List<byte[]> keys = received.deliveries().stream()
                .map(d -> Codec.messageKey(incarnation, d.sequence())).toList();
        List<byte[]> payloads = journal.multiGet(ColumnFamily.MESSAGES, keys);
        List<Delivery> deliveries = new ArrayList<>(keys.size());
        Batch bookkeeping = new Batch();
        for (int i = 0; i < keys.size(); i++) {
            if (payloads.get(i) == null) {
                continue; // deleted between the receive and the read: it is gone
            }
            deliveries.add(received.deliveries().get(i).withData(MessageDataCodec.decode(payloads.get(i))));
            bookkeeping.put(ColumnFamily.INDEX, keys.get(i), Codec.encodeIndex(received.states().get(i)));
        }
        if (received.remembered() != null) {
            bookkeeping.put(ColumnFamily.DEFAULT, StateKeys.attempt(incarnation, received.remembered().attemptId()),
                    Codec.encodeAttempt(received.remembered()));
        }
        journal.submit(bookkeeping); // best effort: nobody waits for receive bookkeeping
        return deliveries;
    }

    /**
     * The messages already left the source's memory; on disk they move in one batch (written to the DLQ, deleted
     * from the source). If that batch fails they stay on the source's disk and come back after a restart.
     */
    private void moveToDeadLetterQueue(MemoryQueue source, List<DeadLetter> moved, MemoryQueue deadLetter,
                                       Redrive redrive, Instant now) {
        long incarnation = source.record().incarnation();
        List<byte[]> keys = moved.stream().map(m -> Codec.messageKey(incarnation, m.sequence())).toList();
        List<byte[]> payloads = journal.multiGet(ColumnFamily.MESSAGES, keys);
        List<DeadLetter> loaded = new ArrayList<>();
        Batch batch = new Batch();
        for (int i = 0; i < moved.size(); i++) {
            if (payloads.get(i) != null) {
                loaded.add(moved.get(i).withData(MessageDataCodec.decode(payloads.get(i))));
                batch.delete(ColumnFamily.MESSAGES, keys.get(i)).delete(ColumnFamily.INDEX, keys.get(i));
            }
        }
        boolean toDeadLetterQueue = queues.get(redrive.deadLetterQueue()) == deadLetter;
        MemoryQueue target = toDeadLetterQueue ? deadLetter : source;
        Batch writes = toDeadLetterQueue ? batch : new Batch(); // back where they were: nothing to delete
        await(target.stage(target.movedIn(loaded, toDeadLetterQueue ? redrive.sourceArn() : null, now), now,
                staged -> journal.submit(recording(target, staged, writes, now))));
    }

    @Override
    public CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            return CompletableFuture.failedFuture(SqsException.queueDoesNotExist());
        }
        DeleteOutcome outcome = queue.checkDelete(sequence, receiveCount, now);
        if (outcome != DeleteOutcome.DELETED) {
            return CompletableFuture.completedFuture(outcome);
        }
        byte[] messageKey = Codec.messageKey(queue.record().incarnation(), sequence);
        return whenCommitted(journal.submit(new Batch().delete(ColumnFamily.MESSAGES, messageKey)
                .delete(ColumnFamily.INDEX, messageKey).onCommitted(() -> queue.removeIfPresent(sequence))), outcome);
    }

    @Override
    public CompletableFuture<Boolean> changeVisibility(QueueKey key, long sequence, int receiveCount,
                                                       Instant visibleAt, Instant now) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            return CompletableFuture.failedFuture(SqsException.queueDoesNotExist());
        }
        Optional<MessageState> changed = queue.changeVisibility(sequence, receiveCount, visibleAt, now);
        changed.ifPresent(state -> journal.submit(new Batch().put(ColumnFamily.INDEX,
                Codec.messageKey(queue.record().incarnation(), sequence), Codec.encodeIndex(state))));
        return CompletableFuture.completedFuture(changed.isPresent());
    }

    @Override
    public CompletableFuture<Boolean> purge(QueueKey key, Instant now, Instant notPurgedSince) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            return CompletableFuture.failedFuture(SqsException.queueDoesNotExist());
        }
        MemoryQueue.PurgeReservation purge = queue.reservePurge(now, notPurgedSince);
        if (purge == null) {
            return CompletableFuture.completedFuture(false);
        }
        long incarnation = queue.record().incarnation();
        byte[] from = Codec.prefix(incarnation);
        byte[] to = Codec.messageKey(incarnation, purge.lastSequence() + 1);
        Batch batch = new Batch().deleteRange(ColumnFamily.MESSAGES, from, to).deleteRange(ColumnFamily.INDEX, from, to);
        // A key that expired and was sent anew between this reservation and the commit (a window of milliseconds)
        // is deleted on disk but stays in memory: a restart within its five minutes would forget it.
        for (String deduplicationKey : purge.deduplicationKeys()) {
            batch.delete(ColumnFamily.DEDUP, Codec.dedupKey(incarnation, deduplicationKey));
        }
        return whenCommitted(journal.submit(batch
                .put(ColumnFamily.DEFAULT, StateKeys.purge(incarnation), Codec.encodeMillis(now))
                .onCommitted(() -> queue.purgeUpTo(purge)).onFailed(() -> queue.cancelPurge(purge))), true);
    }

    @Override
    public CompletableFuture<QueueCounts> counts(QueueKey key, Instant now) {
        MemoryQueue queue = queues.get(key);
        return queue == null ? CompletableFuture.failedFuture(SqsException.queueDoesNotExist())
                : CompletableFuture.completedFuture(queue.counts(now));
    }

    /** The engine's look, then the payloads from disk (off the caller's thread): a message deleted between is gone. */
    @Override
    public CompletableFuture<List<PeekedMessage>> peek(QueueKey key, long afterSequence, int limit, Instant now) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            return CompletableFuture.failedFuture(SqsException.queueDoesNotExist());
        }
        List<PeekedMessage> seen = queue.peek(afterSequence, limit, now);
        long incarnation = queue.record().incarnation();
        return CompletableFuture.supplyAsync(() -> {
            List<byte[]> payloads = journal.multiGet(ColumnFamily.MESSAGES,
                    seen.stream().map(m -> Codec.messageKey(incarnation, m.sequence())).toList());
            List<PeekedMessage> loaded = new ArrayList<>(seen.size());
            for (int i = 0; i < seen.size(); i++) {
                if (payloads.get(i) != null) {
                    loaded.add(seen.get(i).withData(MessageDataCodec.decode(payloads.get(i))));
                }
            }
            return loaded;
        }, VIRTUAL_THREADS);
    }

    @Override
    public void whenReceivable(QueueKey key, Instant deadline, Instant now, Timer timer, Runnable wake) {
        queues.whenReceivable(key, deadline, now, timer, wake);
    }

    // ---- message move tasks --------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Optional<MoveTask>> startMoveTask(MoveTask task) {
        return metadataChange(() -> {
            MoveTaskTable.Started started = moveTasks.start(task);
            if (started == null) {
                return Optional.empty();
            }
            Batch batch = new Batch().put(ColumnFamily.DEFAULT, StateKeys.moveTask(task.taskId()),
                    Codec.encodeMoveTask(task));
            started.evicted().forEach(old -> batch.delete(ColumnFamily.DEFAULT, StateKeys.moveTask(old.taskId())));
            try {
                await(journal.submit(batch));
            } catch (RuntimeException e) {
                moveTasks.undo(started);
                throw e;
            }
            return Optional.of(task);
        });
    }

    @Override
    public CompletableFuture<List<MoveTask>> moveTasks(String sourceArn) {
        return metadataChange(() -> moveTasks.tasks(sourceArn));
    }

    @Override
    public CompletableFuture<Optional<MoveTask>> updateMoveTask(String sourceArn, String taskId,
                                                                UnaryOperator<MoveTask> change) {
        return metadataChange(() -> {
            Optional<MoveTask> changed = moveTasks.find(sourceArn, taskId).map(change);
            if (changed.isPresent()) {
                await(journal.submit(new Batch().put(ColumnFamily.DEFAULT, StateKeys.moveTask(taskId),
                        Codec.encodeMoveTask(changed.get()))));
                moveTasks.replace(changed.get());
            }
            return changed;
        });
    }

    @Override
    public CompletableFuture<List<MoveTask>> activeMoveTasks() {
        return metadataChange(moveTasks::active);
    }

    // ---- the store -----------------------------------------------------------------------------------------------

    @Override
    public void wakeAllWaiters() {
        queues.closeAll();
    }

    @Override
    public void close() {
        wakeAllWaiters();
        journal.close();
    }

    /** The structural invariants of every queue (the contract tests check them after each test). */
    boolean invariantsHold() {
        return queues.invariantsHold();
    }

    /** Runs a change of queues, tombstones or move tasks on a virtual thread, one at a time. */
    private <T> CompletableFuture<T> metadataChange(Supplier<T> change) {
        return CompletableFuture.supplyAsync(() -> {
            metadataLock.lock();
            try {
                return change.get();
            } finally {
                metadataLock.unlock();
            }
        }, VIRTUAL_THREADS);
    }

    /** Waits for a group commit; see {@link #writeFailed}. */
    private static void await(CompletableFuture<?> commit) {
        try {
            commit.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SqsException(ErrorCode.SERVICE_UNAVAILABLE, "The request was interrupted; retry it.");
        } catch (ExecutionException e) {
            throw writeFailed(e.getCause());
        }
    }

    /** {@code result} once the commit succeeded; else fails as {@link #writeFailed} says. */
    private static <T> CompletableFuture<T> whenCommitted(CompletableFuture<?> commit, T result) {
        return commit.handle((committed, failure) -> {
            if (failure != null) {
                throw writeFailed(failure);
            }
            return result;
        });
    }

    /** A failed write (disk full, I/O error) as a retryable 503: the change was not made, in memory or on disk. */
    private static SqsException writeFailed(Throwable cause) {
        System.getLogger(RocksDbQueueStore.class.getName()).log(System.Logger.Level.ERROR, "storage write failed",
                cause);
        return new SqsException(ErrorCode.SERVICE_UNAVAILABLE,
                "The server could not store the change; it was not applied. Retry the request.");
    }
}
