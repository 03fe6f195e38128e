package dev.postbox.store.embedded;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.SqsException;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.store.embedded.Codec.IndexEntry;
import dev.postbox.store.embedded.DurableLog.Batch;
import dev.postbox.store.embedded.DurableLog.ColumnFamily;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * Durable storage: the same in-memory engine as {@link InMemoryQueueStore} (one {@link MemoryQueue} per queue, the
 * index of every message), with every acknowledged change first written to RocksDB through {@link DurableLog}'s group
 * commit, and message payloads kept on disk only (loaded for each delivery).
 *
 * <p>What waits for the disk: queue creation, deletion and updates (attributes, tags, policies), sends (the message
 * becomes receivable only once it is durable), deletes and purges (the message leaves memory only once its deletion
 * is durable). What does not: receive bookkeeping (receive count, visibility deadline) and visibility changes,
 * written in the next group commit without anyone waiting — after a crash, an in-flight message may become visible
 * earlier than its timeout said, which is at-least-once delivery.
 */
public final class EmbeddedQueueStore implements QueueStore {
    private final DurableLog log;
    private final InstantSource clock;
    private final QueueTable queues = new QueueTable();
    /** Serialises changes to queue records (rare), so that disk and memory apply them in the same order. */
    private final ReentrantLock metadataLock = new ReentrantLock();

    private EmbeddedQueueStore(DurableLog log, InstantSource clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Opens (or creates) the data directory and loads every queue and message index from it. */
    public static EmbeddedQueueStore open(Path directory, DurableLog.FsyncPolicy policy, Duration syncInterval,
                                          InstantSource clock) {
        EmbeddedQueueStore store = new EmbeddedQueueStore(DurableLog.open(directory, policy, syncInterval), clock);
        try {
            store.recover();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /** Fsync policy by name, for configuration: {@code always} or {@code interval}. */
    public static DurableLog.FsyncPolicy fsyncPolicy(String name) {
        return DurableLog.FsyncPolicy.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    // ---- recovery ----------------------------------------------------------------------------------------------

    private void recover() {
        Instant now = clock.instant();
        List<QueueRecord> records = new ArrayList<>();
        log.scan(ColumnFamily.QUEUES, new byte[0], (key, value) -> records.add(Codec.decodeQueue(value)));
        for (QueueRecord record : records) {
            MemoryQueue queue = newQueue(record);
            Duration retention = Duration.ofSeconds(record.intAttribute(QueueAttributes.MESSAGE_RETENTION_PERIOD));
            Batch expired = new Batch();
            long cutoffMillis = now.minus(retention).toEpochMilli();
            log.scanBuffers(ColumnFamily.INDEX, Codec.prefix(record.incarnation()), (key, value) -> {
                long sequence = key.getLong(key.position() + 8);
                IndexEntry entry = Codec.decodeIndex(value);
                if (entry.retainedFromMillis() <= cutoffMillis) {
                    byte[] messageKey = Codec.messageKey(record.incarnation(), sequence);
                    expired.delete(ColumnFamily.INDEX, messageKey).delete(ColumnFamily.MESSAGES, messageKey);
                    return;
                }
                queue.restore(sequence, entry, now);
            });
            log.scan(ColumnFamily.DEDUP, Codec.prefix(record.incarnation()), (key, value) -> {
                Codec.DedupEntry entry = Codec.decodeDedup(value);
                if (entry.expiresAtMillis() > now.toEpochMilli()) {
                    queue.restoreDeduplication(Codec.dedupKeyText(key), entry.messageId(), entry.sequenceNumber(),
                            Instant.ofEpochMilli(entry.expiresAtMillis()));
                } else {
                    expired.delete(ColumnFamily.DEDUP, key);
                }
            });
            if (!expired.isEmpty()) {
                log.submit(expired);
            }
            queues.put(record.key(), queue);
        }
    }

    private MemoryQueue newQueue(QueueRecord record) {
        MemoryQueue queue = new MemoryQueue(record, false);
        long incarnation = record.incarnation();
        queue.setExpiryListener(sequence -> {
            byte[] key = Codec.messageKey(incarnation, sequence);
            log.submit(new Batch().delete(ColumnFamily.INDEX, key).delete(ColumnFamily.MESSAGES, key));
        });
        return queue;
    }

    // ---- queues --------------------------------------------------------------------------------------------------

    @Override
    public CreateOutcome createQueue(QueueRecord proposed) {
        metadataLock.lock();
        try {
            MemoryQueue existing = queues.get(proposed.key());
            if (existing != null) {
                return new CreateOutcome(existing.record(), false);
            }
            await(log.submit(new Batch().put(ColumnFamily.QUEUES, Codec.queueKey(proposed.key()),
                    Codec.encodeQueue(proposed))));
            queues.put(proposed.key(), newQueue(proposed));
            return new CreateOutcome(proposed, true);
        } finally {
            metadataLock.unlock();
        }
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
        metadataLock.lock();
        try {
            MemoryQueue queue = queues.get(key);
            if (queue == null) {
                return false;
            }
            long incarnation = queue.record().incarnation();
            byte[] from = Codec.prefix(incarnation);
            byte[] to = Codec.prefixEnd(incarnation);
            await(log.submit(new Batch().delete(ColumnFamily.QUEUES, Codec.queueKey(key))
                    .deleteRange(ColumnFamily.MESSAGES, from, to).deleteRange(ColumnFamily.INDEX, from, to)
                    .deleteRange(ColumnFamily.DEDUP, from, to)));
            queues.remove(key);
            queue.close();
            return true;
        } finally {
            metadataLock.unlock();
        }
    }

    @Override
    public QueueRecord updateQueue(QueueKey key, UnaryOperator<QueueRecord> change) {
        metadataLock.lock();
        try {
            MemoryQueue queue = require(key);
            QueueRecord updated = change.apply(queue.record());
            await(log.submit(new Batch().put(ColumnFamily.QUEUES, Codec.queueKey(key), Codec.encodeQueue(updated))));
            return queue.update(current -> updated);
        } finally {
            metadataLock.unlock();
        }
    }

    // ---- messages ----------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now) {
        MemoryQueue queue = require(key);
        List<MemoryQueue.Incoming> incoming = messages.stream().map(MemoryQueue.Incoming::sent).toList();
        CompletableFuture<?>[] submitted = new CompletableFuture<?>[1];
        MemoryQueue.Staged staged = queue.stage(incoming, now,
                s -> submitted[0] = log.submit(stagedBatch(queue, s, null, now)));
        return whenCommitted(submitted[0], staged.sent());
    }

    /** The batch that makes staged messages durable, publishes them when durable and forgets them on failure. */
    private Batch stagedBatch(MemoryQueue queue, MemoryQueue.Staged staged, Batch into, Instant now) {
        Batch batch = into != null ? into : new Batch();
        long incarnation = queue.record().incarnation();
        for (int i = 0; i < staged.messages().size(); i++) {
            StoredMessage message = staged.messages().get(i);
            byte[] key = Codec.messageKey(incarnation, message.sequence);
            batch.put(ColumnFamily.MESSAGES, key, Codec.encodeMessage(message.data));
            batch.put(ColumnFamily.INDEX, key, Codec.encodeIndex(new IndexEntry(message.groupId,
                    message.sequenceNumber, message.retainedFrom.toEpochMilli(),
                    staged.visibleAts().get(i).toEpochMilli(), message.receiveCount,
                    message.firstReceivedAt == null ? -1 : message.firstReceivedAt.toEpochMilli())));
            String dedupKey = staged.dedupKeys().get(i);
            if (dedupKey != null) {
                batch.put(ColumnFamily.DEDUP, Codec.dedupKey(incarnation, dedupKey), Codec.encodeDedup(
                        new Codec.DedupEntry(message.messageId, message.sequenceNumber,
                                now.plus(Limits.DEDUPLICATION_INTERVAL).toEpochMilli())));
            }
        }
        return batch.onCommitted(() -> queue.publish(staged, now)).onFailed(() -> queue.discard(staged));
    }

    @Override
    public List<Delivery> receive(QueueKey key, int max, Duration visibilityTimeout, Instant now, Redrive redrive) {
        MemoryQueue source = require(key);
        MemoryQueue deadLetter = redrive == null ? null : queues.get(redrive.deadLetterQueue());
        MemoryQueue.Received received = source.receive(max, visibilityTimeout, now,
                deadLetter == null ? 0 : redrive.maxReceiveCount());
        long incarnation = source.record().incarnation();
        if (!received.toDeadLetter().isEmpty()) {
            moveToDeadLetterQueue(source, received.toDeadLetter(), deadLetter, redrive, now);
        }
        if (received.deliveries().isEmpty()) {
            return List.of();
        }
        List<byte[]> keys = received.deliveries().stream()
                .map(d -> Codec.messageKey(incarnation, d.sequence())).toList();
        List<byte[]> payloads = log.multiGet(ColumnFamily.MESSAGES, keys);
        List<Delivery> deliveries = new ArrayList<>(keys.size());
        Batch bookkeeping = new Batch();
        Instant visibleAt = now.plus(visibilityTimeout);
        for (int i = 0; i < keys.size(); i++) {
            Delivery d = received.deliveries().get(i);
            if (payloads.get(i) == null) {
                continue; // deleted between the receive and the read: it is gone
            }
            MessageData data = Codec.decodeMessage(payloads.get(i));
            deliveries.add(new Delivery(data, d.sequence(), d.receiveCount(), d.firstReceivedAt(),
                    d.sequenceNumber()));
            StoredMessage current = source.peek(d.sequence());
            if (current != null) {
                bookkeeping.put(ColumnFamily.INDEX, keys.get(i), Codec.encodeIndex(new IndexEntry(
                        data.groupId(), d.sequenceNumber(), current.retainedFrom.toEpochMilli(),
                        visibleAt.toEpochMilli(), d.receiveCount(), d.firstReceivedAt().toEpochMilli())));
            }
        }
        log.submit(bookkeeping); // best effort: nobody waits for receive bookkeeping
        return deliveries;
    }

    /**
     * The messages already left the source's memory; on disk they move in one batch (written to the DLQ, deleted
     * from the source). If that batch fails they stay on the source's disk and come back after a restart.
     */
    private void moveToDeadLetterQueue(MemoryQueue source, List<StoredMessage> moved, MemoryQueue deadLetter,
                                       Redrive redrive, Instant now) {
        long incarnation = source.record().incarnation();
        List<byte[]> keys = moved.stream().map(m -> Codec.messageKey(incarnation, m.sequence)).toList();
        List<byte[]> payloads = log.multiGet(ColumnFamily.MESSAGES, keys);
        List<StoredMessage> loaded = new ArrayList<>();
        Batch batch = new Batch();
        for (int i = 0; i < moved.size(); i++) {
            if (payloads.get(i) != null) {
                moved.get(i).data = Codec.decodeMessage(payloads.get(i));
                loaded.add(moved.get(i));
                batch.delete(ColumnFamily.MESSAGES, keys.get(i)).delete(ColumnFamily.INDEX, keys.get(i));
            }
        }
        MemoryQueue target = queues.get(redrive.deadLetterQueue()) == deadLetter ? deadLetter : source;
        String sourceArn = target == deadLetter ? redrive.sourceArn() : null;
        if (target == source) {
            batch = new Batch(); // back where they were: nothing to delete
        }
        Batch finalBatch = batch;
        CompletableFuture<?>[] submitted = new CompletableFuture<?>[1];
        target.stage(target.movedIn(loaded, sourceArn, now), now,
                staged -> submitted[0] = log.submit(stagedBatch(target, staged, finalBatch, now)));
        await(submitted[0]); // when the receive returns, the dead letter is in its queue
    }

    @Override
    public CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now) {
        MemoryQueue queue = require(key);
        DeleteOutcome outcome = queue.checkDelete(sequence, receiveCount, now);
        if (outcome != DeleteOutcome.DELETED) {
            return CompletableFuture.completedFuture(outcome);
        }
        byte[] messageKey = Codec.messageKey(queue.record().incarnation(), sequence);
        return whenCommitted(log.submit(new Batch().delete(ColumnFamily.MESSAGES, messageKey)
                .delete(ColumnFamily.INDEX, messageKey).onCommitted(() -> queue.removeIfPresent(sequence))), outcome);
    }

    @Override
    public boolean changeVisibility(QueueKey key, long sequence, int receiveCount, Instant visibleAt, Instant now) {
        MemoryQueue queue = require(key);
        if (!queue.changeVisibility(sequence, receiveCount, visibleAt, now)) {
            return false;
        }
        StoredMessage current = queue.peek(sequence);
        if (current != null) {
            log.submit(new Batch().put(ColumnFamily.INDEX, Codec.messageKey(queue.record().incarnation(), sequence),
                    Codec.encodeIndex(new IndexEntry(current.groupId, current.sequenceNumber,
                            current.retainedFrom.toEpochMilli(), visibleAt.toEpochMilli(), current.receiveCount,
                            current.firstReceivedAt == null ? -1 : current.firstReceivedAt.toEpochMilli()))));
        }
        return true;
    }

    @Override
    public void purge(QueueKey key) {
        MemoryQueue queue = require(key);
        long incarnation = queue.record().incarnation();
        long last = queue.lastSequence();
        byte[] from = Codec.prefix(incarnation);
        byte[] to = Codec.messageKey(incarnation, last + 1);
        await(log.submit(new Batch().deleteRange(ColumnFamily.MESSAGES, from, to)
                .deleteRange(ColumnFamily.INDEX, from, to).onCommitted(() -> queue.purgeUpTo(last))));
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
    public byte[] receiptHandleSecret() {
        return log.secret();
    }

    @Override
    public void wakeAllWaiters() {
        queues.closeAll();
    }

    @Override
    public void close() {
        wakeAllWaiters();
        log.close();
    }

    /**
     * Test hook: closes like a process killed now. Nothing is flushed, so RocksDB loses its memtables and the next
     * open has to replay the commit log.
     */
    void closeAsIfKilled() {
        wakeAllWaiters();
        log.closeAsIfKilled();
    }

    /** Test hook: while {@code failing}, every write fails as on a full disk. */
    public void failWrites(boolean failing) {
        log.failWrites(failing);
    }

    /** For tests: the structural invariant of every queue. */
    public boolean invariantsHold() {
        return queues.invariantsHold();
    }

    private MemoryQueue require(QueueKey key) {
        return queues.require(key);
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
        System.getLogger(EmbeddedQueueStore.class.getName()).log(System.Logger.Level.ERROR, "storage write failed",
                cause);
        return new SqsException(ErrorCode.SERVICE_UNAVAILABLE,
                "The server could not store the change; it was not applied. Retry the request.");
    }
}
