package dev.postbox.store.postgres;

import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Queue rows as the hot steps (send, receive, delete, visibility, the service's look-up of a queue) read them, kept
 * for {@link #TTL} so that a message costs no extra round trip to read its queue. This node's own changes to a queue
 * forget it at once; another node's show here within the TTL (AWS: attribute changes take up to 60 seconds to
 * propagate, and a deleted queue may take requests for up to 60 seconds). A step that finds its cached queue gone
 * reads it afresh ({@link StaleQueue}). The TTL is real time, not the callers' clock: it bounds propagation between
 * nodes, which is not an SQS semantic.
 */
final class QueueCache {
    static final Duration TTL = Duration.ofSeconds(1);
    /** Beyond this many queues the cache starts over rather than grow (entries are cheap to read again). */
    private static final int MAX_ENTRIES = 10_000;

    /** A queue with what the postgres store keeps beside its record. */
    record StoredQueue(QueueRecord record, boolean tenanted) {
    }

    /** Reads a queue from the database. */
    @FunctionalInterface
    interface Loader {
        Optional<StoredQueue> load() throws SQLException;
    }

    /** Thrown by a step that found the incarnation it was given gone: it is run again with the queue read afresh. */
    static final class StaleQueue extends RuntimeException {
        StaleQueue() {
            super(null, null, false, false);
        }
    }

    private record Entry(StoredQueue queue, long loadedAtNanos) {
    }

    private final Map<QueueKey, Entry> entries = new ConcurrentHashMap<>();

    /** The queue as cached if fresh, else as loaded (and cached when it exists). */
    Optional<StoredQueue> get(QueueKey key, Loader loader) throws SQLException {
        Optional<StoredQueue> cached = fresh(key);
        return cached.isPresent() ? cached : load(key, loader);
    }

    /** The cached queue, if fresh. */
    Optional<StoredQueue> fresh(QueueKey key) {
        Entry entry = entries.get(key);
        if (entry == null || System.nanoTime() - entry.loadedAtNanos() > TTL.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(entry.queue());
    }

    /**
     * Whether the queue is cached, fresh, as a standard queue: then its requests may go together (decision 0017).
     * Not cached, or FIFO: they go one by one (and the first loads it).
     */
    boolean cachedAsStandard(QueueKey key) {
        return fresh(key).filter(queue -> !queue.record().fifo()).isPresent();
    }

    /** Loads the queue afresh and caches it (or forgets it, when it does not exist). */
    Optional<StoredQueue> load(QueueKey key, Loader loader) throws SQLException {
        long loadedAt = System.nanoTime();
        Optional<StoredQueue> loaded = loader.load();
        if (loaded.isPresent()) {
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
            entries.put(key, new Entry(loaded.get(), loadedAt));
        } else {
            entries.remove(key);
        }
        return loaded;
    }

    void forget(QueueKey key) {
        entries.remove(key);
    }

    /**
     * The step running in {@code transactions} changes the queue's row: forgotten now, and again once the step has
     * committed, so that no copy read meanwhile outlives the change.
     */
    void forgetAtCommit(QueueKey key, Transactions transactions) {
        forget(key);
        transactions.afterCommit(() -> forget(key));
    }
}
