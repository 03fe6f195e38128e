package dev.postbox.core.store;

import java.time.Instant;
import java.util.Map;

/**
 * A queue's metadata as stored.
 *
 * @param incarnation distinguishes this queue from an earlier queue of the same name (receipt handles bind to it)
 * @param attributes  the settable attributes in their canonical string form, defaults included
 */
public record QueueRecord(QueueKey key, long incarnation, boolean fifo, Map<String, String> attributes,
                          Map<String, String> tags, Instant createdAt, Instant lastModifiedAt) {
    public QueueRecord {
        attributes = Map.copyOf(attributes);
        tags = Map.copyOf(tags);
    }

    public QueueRecord withAttributes(Map<String, String> newAttributes, Instant modifiedAt) {
        return new QueueRecord(key, incarnation, fifo, newAttributes, tags, createdAt, modifiedAt);
    }

    public QueueRecord withTags(Map<String, String> newTags) {
        return new QueueRecord(key, incarnation, fifo, attributes, newTags, createdAt, lastModifiedAt);
    }

    /** An integer attribute that always has a value (defaults are stored). */
    public int intAttribute(String name) {
        return Integer.parseInt(attributes.get(name));
    }
}
