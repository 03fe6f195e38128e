package dev.postbox.store.embedded;

import dev.postbox.core.store.MessageData;

import java.time.Instant;

/** A message's mutable state inside a {@link MemoryQueue}; guarded by that queue's lock. */
final class StoredMessage {
    enum State { VISIBLE, DELAYED, IN_FLIGHT }

    final long sequence;
    final String messageId;
    final String groupId;
    final String sequenceNumber;
    final Instant retainedFrom;
    /** The payload, or null when it lives on disk only (durable store). */
    MessageData data;
    /** Null while the message is being moved between structures, while staged, and after it left the queue. */
    State state;
    /** When a DELAYED or IN_FLIGHT message becomes visible; null while VISIBLE. */
    Instant visibleAt;
    int receiveCount;
    Instant firstReceivedAt;

    StoredMessage(MessageData data, long sequence, String sequenceNumber, Instant retainedFrom, int receiveCount,
                  Instant firstReceivedAt) {
        this.data = data;
        this.sequence = sequence;
        this.messageId = data.messageId();
        this.groupId = data.groupId();
        this.sequenceNumber = sequenceNumber;
        this.retainedFrom = retainedFrom;
        this.receiveCount = receiveCount;
        this.firstReceivedAt = firstReceivedAt;
    }

    /** Rebuilt from disk at recovery: no payload in memory. */
    StoredMessage(long sequence, String messageId, String groupId, String sequenceNumber, Instant retainedFrom,
                  int receiveCount, Instant firstReceivedAt) {
        this.sequence = sequence;
        this.messageId = messageId;
        this.groupId = groupId;
        this.sequenceNumber = sequenceNumber;
        this.retainedFrom = retainedFrom;
        this.receiveCount = receiveCount;
        this.firstReceivedAt = firstReceivedAt;
    }
}
