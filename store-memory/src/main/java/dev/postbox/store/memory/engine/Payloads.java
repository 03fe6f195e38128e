package dev.postbox.store.memory.engine;

/** Where a queue's message payloads (body, attributes, ids) live. */
public enum Payloads {
    /** In the engine, on the heap: deliveries carry their payloads (the in-memory store). */
    IN_ENGINE,
    /**
     * In the store (on disk): the engine indexes messages only, deliveries and dead letters come without payloads
     * and the store loads them. Never-received visible messages of standard queues are then kept cold, as two
     * longs each instead of an object (see {@link FairOrder}), so that a backlog of millions fits a small heap.
     */
    IN_STORE
}
