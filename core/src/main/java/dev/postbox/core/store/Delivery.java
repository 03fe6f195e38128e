package dev.postbox.core.store;

import java.time.Instant;

/**
 * A message handed out by a receive. {@code (sequence, receiveCount)} names this receive: the store accepts a delete
 * or visibility change only for the latest receive of a message.
 *
 * @param sequence       the store's id of the message, unique within the queue incarnation
 * @param receiveCount   receives so far, this one included
 * @param receivedAt     when this receive happened (a receive repeated with its {@code ReceiveRequestAttemptId}
 *                       hands out the original's deliveries, with the original's instant)
 * @param sequenceNumber the FIFO sequence number; null on standard queues
 */
public record Delivery(MessageData data, long sequence, int receiveCount, Instant firstReceivedAt, Instant receivedAt,
                       String sequenceNumber) {
    /** The same receive with its payload, for stores that load payloads after the receive. */
    public Delivery withData(MessageData loaded) {
        return new Delivery(loaded, sequence, receiveCount, firstReceivedAt, receivedAt, sequenceNumber);
    }
}
