package dev.postbox.store.memory.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A FIFO queue's deduplication ids of the last five minutes. Every entry is kept under its group and id
 * ({@link #key}), whatever the queue's scope when it was sent, and looked up under the scope in force now: with
 * scope {@code queue} an id matches an entry of any group, with {@code messageGroup} only its own group's. So a
 * queue switched to per-group deduplication treats the same id in another group as new at once, and still treats
 * it in its own group as a duplicate, as AWS does.
 *
 * <p>Invariant: {@link #keysById} lists exactly the keys of {@link #entries}, under their id. Keys written before
 * keys named their group (no separator) count as the id alone and match any group. Guarded by the queue's lock.
 */
final class DeduplicationWindow {
    /** The message first accepted under a deduplication key. */
    record Original(String messageId, String sequenceNumber, Instant expiresAt) {
    }

    private static final char SEPARATOR = '\u0000'; // group ids never hold it (alphanumerics and punctuation)

    private final ExpiringEntries<Original> entries = new ExpiringEntries<>(Original::expiresAt);
    private final Map<String, List<String>> keysById = new HashMap<>();
    private Consumer<String> expired = key -> { };
    // Made once: a sweep runs on every send.
    private final Consumer<String> unindexThenReport = key -> {
        unindex(key);
        expired.accept(key);
    };

    static String key(String groupId, String deduplicationId) {
        return groupId + SEPARATOR + deduplicationId;
    }

    /** Called for every key the window forgets as time passes. */
    void onExpired(Consumer<String> expired) {
        this.expired = expired;
    }

    /** The original of a send under this group and id within the window, or null. */
    Original find(String groupId, String deduplicationId, boolean perGroup) {
        List<String> keys = keysById.get(deduplicationId);
        if (keys == null) {
            return null;
        }
        for (String key : keys) {
            int separator = key.indexOf(SEPARATOR);
            if (!perGroup || separator < 0 || key.regionMatches(0, groupId, 0, groupId.length())
                    && separator == groupId.length()) {
                return entries.get(key);
            }
        }
        return null;
    }

    void put(String key, Original original) {
        if (entries.get(key) == null) {
            keysById.computeIfAbsent(idOf(key), id -> new ArrayList<>(1)).add(key);
        }
        entries.put(key, original);
    }

    void remove(String key) {
        if (entries.get(key) != null) {
            entries.remove(key);
            unindex(key);
        }
    }

    void sweep(Instant now) {
        entries.sweep(now, unindexThenReport);
    }

    /** The keys now in the window (a purge forgets them). */
    List<String> keys() {
        return keysById.values().stream().flatMap(List::stream).toList();
    }

    /**
     * Forgets those of {@code keys} whose original was sent at or before {@code lastSequenceNumber} (a key sent anew
     * after a purge began stays). FIFO sequence numbers are 20 digits, so text order is number order.
     */
    void forget(List<String> keys, String lastSequenceNumber) {
        for (String key : keys) {
            Original original = entries.get(key);
            if (original != null && original.sequenceNumber().compareTo(lastSequenceNumber) <= 0) {
                remove(key);
            }
        }
    }

    private void unindex(String key) {
        String id = idOf(key);
        List<String> keys = keysById.get(id);
        keys.remove(key);
        if (keys.isEmpty()) {
            keysById.remove(id);
        }
    }

    private static String idOf(String key) {
        return key.substring(key.indexOf(SEPARATOR) + 1);
    }
}
