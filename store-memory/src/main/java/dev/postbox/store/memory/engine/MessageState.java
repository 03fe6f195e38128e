package dev.postbox.store.memory.engine;

import java.time.Instant;

/**
 * A message's place in its queue, taken under the queue's lock: what a durable store records so that recovery can
 * put the message back ({@link MemoryQueue#restore}). Never changes once taken.
 *
 * @param sequenceNumber the FIFO sequence number; null on standard queues
 * @param visibleAt      when it becomes (or became) receivable: its delay, or the end of its visibility timeout
 * @param firstReceivedAt null until its first receive
 */
public record MessageState(long sequence, String groupId, String sequenceNumber, Instant retainedFrom,
                           Instant visibleAt, int receiveCount, Instant firstReceivedAt) {
}
