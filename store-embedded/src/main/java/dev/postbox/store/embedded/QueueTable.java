package dev.postbox.store.embedded;

import dev.postbox.core.SqsException;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueKey;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The queues of a store by key: lookups and listings both stores share. */
final class QueueTable {
    private final ConcurrentHashMap<QueueKey, MemoryQueue> queues = new ConcurrentHashMap<>();

    MemoryQueue get(QueueKey key) {
        return queues.get(key);
    }

    /** The queue, or {@code QueueDoesNotExist}. */
    MemoryQueue require(QueueKey key) {
        MemoryQueue queue = queues.get(key);
        if (queue == null) {
            throw SqsException.queueDoesNotExist();
        }
        return queue;
    }

    /** Adds the queue unless one with its key exists; returns the existing one, or null when added. */
    MemoryQueue putIfAbsent(QueueKey key, MemoryQueue queue) {
        return queues.putIfAbsent(key, queue);
    }

    void put(QueueKey key, MemoryQueue queue) {
        queues.put(key, queue);
    }

    MemoryQueue remove(QueueKey key) {
        return queues.remove(key);
    }

    Optional<QueueRecord> record(QueueKey key) {
        MemoryQueue queue = queues.get(key);
        return queue == null ? Optional.empty() : Optional.of(queue.record());
    }

    /** Records of the account's queues whose names start with the prefix, ordered by name. */
    List<QueueRecord> records(String accountId, String namePrefix) {
        return queues.values().stream().map(MemoryQueue::record)
                .filter(r -> r.key().accountId().equals(accountId) && r.key().name().startsWith(namePrefix))
                .sorted(Comparator.comparing(r -> r.key().name()))
                .toList();
    }

    /** Wakes every waiting receiver (shutdown). */
    void closeAll() {
        queues.values().forEach(MemoryQueue::close);
    }

    boolean invariantsHold() {
        return queues.values().stream().allMatch(MemoryQueue::invariantHolds);
    }
}
