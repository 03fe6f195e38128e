package dev.postbox.store.memory.engine;

/**
 * What a queue forgets by itself as time passes; a durable store deletes it on disk. Called under the queue's
 * lock: implementations must not block (a durable store submits a deletion without waiting for it).
 */
public interface Expiry {
    /** The message passed the retention period (it is gone whatever its state). */
    default void messageExpired(long sequence) {
    }

    /** A FIFO deduplication id's five minutes passed. */
    default void deduplicationExpired(String deduplicationKey) {
    }

    /** A remembered receive attempt's five minutes passed. */
    default void attemptExpired(String attemptId) {
    }
}
