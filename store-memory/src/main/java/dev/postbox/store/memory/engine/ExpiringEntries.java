package dev.postbox.store.memory.engine;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Entries that each live the same time from when they were put (FIFO deduplication ids, receive attempts: five
 * minutes), oldest first: insertion order is expiry order, so a sweep stops at the first live entry. Guarded by the
 * queue's lock.
 */
final class ExpiringEntries<V> {
    private final LinkedHashMap<String, V> byKey = new LinkedHashMap<>();
    private final Function<V, Instant> expiresAt;

    ExpiringEntries(Function<V, Instant> expiresAt) {
        this.expiresAt = expiresAt;
    }

    V get(String key) {
        return byKey.get(key);
    }

    /** Puts the entry at the young end (replacing one under the same key). */
    void put(String key, V value) {
        byKey.remove(key);
        byKey.put(key, value);
    }

    void remove(String key) {
        byKey.remove(key);
    }

    /** Drops the entries whose time has passed at {@code now}, reporting each key. */
    void sweep(Instant now, Consumer<String> expired) {
        if (byKey.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<String, V>> oldest = byKey.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<String, V> entry = oldest.next();
            if (expiresAt.apply(entry.getValue()).isAfter(now)) {
                return;
            }
            oldest.remove();
            expired.accept(entry.getKey());
        }
    }
}
