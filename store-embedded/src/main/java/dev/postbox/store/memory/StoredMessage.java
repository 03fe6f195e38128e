package dev.postbox.store.memory;

import dev.postbox.core.store.MessageData;

import java.time.Instant;

/** A message's mutable state inside a {@link MemoryQueue}; guarded by that queue's lock. */
final class StoredMessage {
    enum State { VISIBLE, DELAYED, IN_FLIGHT }

    final MessageData data;
    final long sequence;
    final String sequenceNumber;
    final Instant retainedFrom;
    /** Null only while the message is being moved between structures or after it left the queue. */
    State state;
    /** When a DELAYED or IN_FLIGHT message becomes visible; null while VISIBLE. */
    Instant visibleAt;
    int receiveCount;
    Instant firstReceivedAt;

    StoredMessage(MessageData data, long sequence, String sequenceNumber, Instant retainedFrom, int receiveCount,
                  Instant firstReceivedAt) {
        this.data = data;
        this.sequence = sequence;
        this.sequenceNumber = sequenceNumber;
        this.retainedFrom = retainedFrom;
        this.receiveCount = receiveCount;
        this.firstReceivedAt = firstReceivedAt;
    }
}
