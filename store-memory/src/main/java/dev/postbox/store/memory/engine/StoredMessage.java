package dev.postbox.store.memory.engine;

import dev.postbox.core.store.MessageData;

import java.time.Instant;

/** A message's mutable state inside a {@link MemoryQueue}; guarded by that queue's lock, never handed out. */
final class StoredMessage {
    enum State { VISIBLE, DELAYED, IN_FLIGHT }

    final long sequence;
    final String messageId;
    final String groupId;
    final String sequenceNumber;
    final Instant retainedFrom;
    /** The payload, or null when it lives in the store only ({@link Payloads#IN_STORE}). */
    MessageData data;
    /** Null while the message is being moved between structures, while staged, and after it left the queue. */
    State state;
    /** When a DELAYED or IN_FLIGHT message becomes visible; null while VISIBLE. */
    Instant visibleAt;
    int receiveCount;
    Instant firstReceivedAt;

    StoredMessage(MessageData data, long sequence, String sequenceNumber, Instant retainedFrom, int receiveCount,
                  Instant firstReceivedAt) {
        this(sequence, data.messageId(), data.groupId(), sequenceNumber, retainedFrom, receiveCount, firstReceivedAt);
        this.data = data;
    }

    /** Without a payload: rebuilt from a store's records, or a cold message's turn has come. */
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

    /** Its state now; a VISIBLE message became visible at {@code now} as far as a store needs to know. */
    MessageState snapshot(Instant now) {
        return new MessageState(sequence, groupId, sequenceNumber, retainedFrom, visibleAt == null ? now : visibleAt,
                receiveCount, firstReceivedAt);
    }
}
