package dev.postbox.core.store;

import java.time.Instant;

/**
 * Messages by state: visible (receivable now), in flight (received, not deleted), delayed (not yet visible); and
 * when the retention period of the oldest message still in the queue began (its send), null when the queue is empty
 * (CloudWatch's ApproximateAgeOfOldestMessage).
 */
public record QueueCounts(long visible, long inFlight, long delayed, Instant oldestRetainedFrom) {
    public QueueCounts(long visible, long inFlight, long delayed) {
        this(visible, inFlight, delayed, null);
    }
}
