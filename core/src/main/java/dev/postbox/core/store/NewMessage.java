package dev.postbox.core.store;

import java.time.Instant;

/**
 * A message to enqueue.
 *
 * @param visibleAt    it may not be received before this instant (its delay)
 * @param retainedFrom retention is counted from here (the send time, or the original send time of a message
 *                     moved to a standard dead-letter queue)
 * @param deduplicate  whether FIFO deduplication applies (false for messages moved between queues)
 */
public record NewMessage(MessageData data, Instant visibleAt, Instant retainedFrom, boolean deduplicate) {
    /** A message sent by a client. */
    public static NewMessage sent(MessageData data, Instant visibleAt) {
        return new NewMessage(data, visibleAt, data.sentAt(), true);
    }
}
