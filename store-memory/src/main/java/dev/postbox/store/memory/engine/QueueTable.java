package dev.postbox.store.memory.engine;

import dev.postbox.core.SqsException;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.time.Timer;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The queues of a store by key, and when names were last freed by a delete (the name-reuse window). Lookups are
 * lock-free; the tombstones are guarded by the caller's serialisation of queue creates and deletes.
 */
public final class QueueTable {
    private final ConcurrentHashMap<QueueKey, MemoryQueue> queues = new ConcurrentHashMap<>();
    private final Map<QueueKey, Instant> deletedAt = new HashMap<>();

    public MemoryQueue get(QueueKey key) {
        return queues.get(key);
    }

    /** The queue, or {@code QueueDoesNotExist}. */
    public MemoryQueue require(QueueKey key) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            throw SqsException.queueDoesNotExist();
        }
        return queue;
    }

    public void put(QueueKey key, MemoryQueue queue) {
        queues.put(key, queue);
    }

    public MemoryQueue remove(QueueKey key) {
        return queues.remove(key);
    }

    public Optional<QueueRecord> record(QueueKey key) {
        MemoryQueue queue = queues.get(key);
        return queue == null ? Optional.empty() : Optional.of(queue.record());
    }

    /** Records of the account's queues in the region whose names start with the prefix, ordered by name. */
    public List<QueueRecord> records(String region, String accountId, String namePrefix) {
        return queues.values().stream().map(MemoryQueue::record)
                .filter(r -> r.key().region().equals(region) && r.key().accountId().equals(accountId)
                        && r.key().name().startsWith(namePrefix))
                .sorted(Comparator.comparing(r -> r.key().name()))
                .toList();
    }

    /** Records of every queue. */
    public List<QueueRecord> allRecords() {
        return queues.values().stream().map(MemoryQueue::record).toList();
    }

    /** Whether a queue of this name was deleted after {@code nameFreeSince}. */
    public boolean deletedAfter(QueueKey key, Instant nameFreeSince) {
        Instant deleted = deletedAt.get(key);
        return deleted != null && deleted.isAfter(nameFreeSince);
    }

    /** Remembers when the name was freed. */
    public void deleted(QueueKey key, Instant at) {
        deletedAt.put(key, at);
    }

    /** Forgets the names freed at or before {@code nameFreeSince} (their window is over); returns them. */
    public List<QueueKey> forgetDeletedUpTo(Instant nameFreeSince) {
        List<QueueKey> over = deletedAt.entrySet().stream().filter(e -> !e.getValue().isAfter(nameFreeSince))
                .map(Map.Entry::getKey).toList();
        over.forEach(deletedAt::remove);
        return over;
    }

    /** {@link MemoryQueue#whenReceivable} of the queue; a queue that is gone wakes the poll at once (it says so next). */
    public void whenReceivable(QueueKey key, Instant deadline, Instant now, Timer timer, Runnable wake) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            wake.run();
        } else {
            queue.whenReceivable(deadline, now, timer, wake);
        }
    }

    /** Wakes every waiting receiver (shutdown). */
    public void closeAll() {
        queues.values().forEach(MemoryQueue::close);
    }

    public boolean invariantsHold() {
        return queues.values().stream().allMatch(MemoryQueue::invariantsHold);
    }
}
