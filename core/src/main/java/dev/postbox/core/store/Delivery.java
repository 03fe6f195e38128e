package dev.postbox.core.store;

import java.time.Instant;

/**
 * A message handed out by a receive. {@code (sequence, receiveCount)} names this receive: the store accepts a delete
 * or visibility change only for the latest receive of a message.
 *
 * @param sequence       the store's id of the message, unique within the queue incarnation
 * @param receiveCount   receives so far, this one included
 * @param sequenceNumber the FIFO sequence number; null on standard queues
 */
public record Delivery(MessageData data, long sequence, int receiveCount, Instant firstReceivedAt,
                       String sequenceNumber) {
}
