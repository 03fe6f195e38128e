package dev.postbox.core.store;

/** Messages by state: visible (receivable now), in flight (received, not deleted), delayed (not yet visible). */
public record QueueCounts(long visible, long inFlight, long delayed) {
}
