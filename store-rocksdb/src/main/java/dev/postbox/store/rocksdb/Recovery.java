package dev.postbox.store.rocksdb;

import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.store.memory.engine.MemoryQueue;
import dev.postbox.store.memory.engine.MessageState;
import dev.postbox.store.memory.engine.MoveTaskTable;
import dev.postbox.store.memory.engine.QueueTable;
import dev.postbox.store.memory.engine.ReceiveAttempt;
import dev.postbox.store.rocksdb.journal.Batch;
import dev.postbox.store.rocksdb.journal.Codec;
import dev.postbox.store.rocksdb.journal.Codec.StateKeys;
import dev.postbox.store.rocksdb.journal.ColumnFamily;
import dev.postbox.store.rocksdb.journal.Journal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Rebuilds the engine from what the journal holds (after the journal itself recovered): every queue with its message
 * index (never the payloads), deduplication keys, receive attempts and last purge; the freed names; the move tasks.
 * Messages past retention, and windows that have closed, are deleted instead of loaded; queues stored before
 * queues had regions are rewritten with one.
 */
final class Recovery {
    private final Journal journal;
    private final QueueTable queues;
    private final MoveTaskTable moveTasks;
    private final Function<QueueRecord, MemoryQueue> newQueue;
    private final String olderDataRegion;

    /**
     * @param olderDataRegion the region of queues stored before queues had regions (the server's {@code sqs.region}):
     *                        their records and tombstones are rewritten under keys that name it
     */
    Recovery(Journal journal, QueueTable queues, MoveTaskTable moveTasks, Function<QueueRecord, MemoryQueue> newQueue,
             String olderDataRegion) {
        this.journal = journal;
        this.queues = queues;
        this.moveTasks = moveTasks;
        this.newQueue = newQueue;
        this.olderDataRegion = olderDataRegion;
    }

    void run(Instant now) {
        List<QueueRecord> records = new ArrayList<>();
        Batch cleanup = new Batch();
        journal.scan(ColumnFamily.QUEUES, new byte[0], (key, value) -> {
            QueueRecord record = Codec.decodeQueue(value, olderDataRegion);
            records.add(record);
            byte[] current = Codec.queueKey(record.key());
            if (!Arrays.equals(key, current)) {
                cleanup.delete(ColumnFamily.QUEUES, key).put(ColumnFamily.QUEUES, current, Codec.encodeQueue(record));
            }
        });
        for (QueueRecord record : records) {
            MemoryQueue queue = newQueue.apply(record);
            loadMessages(record, queue, now, cleanup);
            loadDeduplication(record, queue, now, cleanup);
            loadAttempts(record, queue, now, cleanup);
            byte[] purgedAt = journal.multiGet(ColumnFamily.DEFAULT, List.of(StateKeys.purge(record.incarnation())))
                    .getFirst();
            if (purgedAt != null) {
                queue.restoreLastPurge(Codec.decodeMillis(purgedAt));
            }
            queues.put(record.key(), queue);
        }
        journal.scan(ColumnFamily.DEFAULT, StateKeys.TOMBSTONES, (key, value) -> {
            QueueKey queue = StateKeys.tombstoneQueue(key, olderDataRegion);
            queues.deleted(queue, Codec.decodeMillis(value));
            byte[] current = StateKeys.tombstone(queue);
            if (!Arrays.equals(key, current)) {
                cleanup.delete(ColumnFamily.DEFAULT, key).put(ColumnFamily.DEFAULT, current, value);
            }
        });
        journal.scan(ColumnFamily.DEFAULT, StateKeys.MOVE_TASKS,
                (key, value) -> moveTasks.restore(Codec.decodeMoveTask(value)));
        if (!cleanup.isEmpty()) {
            journal.submit(cleanup);
        }
    }

    private void loadMessages(QueueRecord record, MemoryQueue queue, Instant now, Batch cleanup) {
        Duration retention = Duration.ofSeconds(record.intAttribute(QueueAttributes.MESSAGE_RETENTION_PERIOD));
        long cutoffMillis = now.minus(retention).toEpochMilli();
        journal.scanBuffers(ColumnFamily.INDEX, Codec.prefix(record.incarnation()), (key, value) -> {
            MessageState state = Codec.decodeIndex(Codec.sequenceOf(key), value);
            if (state.retainedFrom().toEpochMilli() <= cutoffMillis) {
                byte[] messageKey = Codec.messageKey(record.incarnation(), state.sequence());
                cleanup.delete(ColumnFamily.INDEX, messageKey).delete(ColumnFamily.MESSAGES, messageKey);
                return;
            }
            queue.restore(state, now);
        });
    }

    /** Keys go back oldest first: the window's sweep relies on it (key order is not acceptance order). */
    private void loadDeduplication(QueueRecord record, MemoryQueue queue, Instant now, Batch cleanup) {
        record Entry(String key, Codec.DedupEntry entry) {
        }
        List<Entry> live = new ArrayList<>();
        journal.scan(ColumnFamily.DEDUP, Codec.prefix(record.incarnation()), (key, value) -> {
            Codec.DedupEntry entry = Codec.decodeDedup(value);
            if (entry.expiresAtMillis() > now.toEpochMilli()) {
                live.add(new Entry(Codec.dedupKeyText(key), entry));
            } else {
                cleanup.delete(ColumnFamily.DEDUP, key);
            }
        });
        live.sort(Comparator.comparingLong(e -> e.entry().expiresAtMillis()));
        for (Entry e : live) {
            queue.restoreDeduplication(e.key(), e.entry().messageId(), e.entry().sequenceNumber(),
                    Instant.ofEpochMilli(e.entry().expiresAtMillis()));
        }
    }

    /** Attempts go back oldest first, as deduplication keys do. */
    private void loadAttempts(QueueRecord record, MemoryQueue queue, Instant now, Batch cleanup) {
        List<ReceiveAttempt> live = new ArrayList<>();
        journal.scan(ColumnFamily.DEFAULT, StateKeys.attempts(record.incarnation()), (key, value) -> {
            ReceiveAttempt attempt = Codec.decodeAttempt(StateKeys.attemptId(key), value);
            if (attempt.expiresAt().isAfter(now)) {
                live.add(attempt);
            } else {
                cleanup.delete(ColumnFamily.DEFAULT, key);
            }
        });
        live.sort(Comparator.comparing(ReceiveAttempt::expiresAt));
        live.forEach(queue::restoreAttempt);
    }
}
