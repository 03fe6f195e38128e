package dev.postbox.store.memory.engine;

import java.util.List;

/**
 * Which visible messages a receive gets: fair round-robin over tenants on standard queues ({@link FairOrder}),
 * group order with group locking on FIFO queues ({@link FifoOrder}). {@link MemoryQueue} owns message states and
 * reports every transition here; implementations keep only their own indexes. All calls hold the queue's lock.
 */
interface VisibleOrder {
    /** A new message entered the queue (in any state). */
    void added(StoredMessage message);

    /** The message is now VISIBLE. */
    void becameVisible(StoredMessage message);

    /** A VISIBLE message became IN_FLIGHT without being taken (its old receipt's visibility was changed). */
    void leftVisible(StoredMessage message);

    /** An IN_FLIGHT message is no longer in flight (it becomes visible again, or leaves the queue next). */
    void settled(StoredMessage message);

    /** The message left the queue; {@code lastState} is the state it had (IN_FLIGHT ones were settled first). */
    void removed(StoredMessage message, StoredMessage.State lastState);

    /** Removes up to {@code max} VISIBLE messages from the receivable set; the caller puts them IN_FLIGHT. */
    List<StoredMessage> take(int max);

    /** Whether a receive would get something now. */
    boolean hasReceivable();

    void clear();
}
