package dev.postbox.core.store;

import java.time.Instant;

/**
 * A message as it is, seen without receiving it: nothing a consumer would notice changes (visibility, receive
 * count, order). What the console's message browser shows.
 *
 * @param data            the payload (body, attributes, ids, sender, group)
 * @param sequenceNumber  the FIFO sequence number; null on standard queues
 * @param retainedFrom    when its retention began (its send)
 * @param visibleAt       when it becomes receivable (its delay, or the end of its visibility timeout); null when
 *                        it is receivable now
 * @param firstReceivedAt null until its first receive
 */
public record PeekedMessage(MessageData data, long sequence, String sequenceNumber, Instant retainedFrom,
                            Instant visibleAt, int receiveCount, Instant firstReceivedAt) {
    public enum State { VISIBLE, IN_FLIGHT, DELAYED }

    /** Receivable, received and not yet visible again, or delayed (not yet visible, never received). */
    public State state() {
        return visibleAt == null ? State.VISIBLE : receiveCount > 0 ? State.IN_FLIGHT : State.DELAYED;
    }

    /** The same message with its payload, for stores that load payloads after looking. */
    public PeekedMessage withData(MessageData loaded) {
        return new PeekedMessage(loaded, sequence, sequenceNumber, retainedFrom, visibleAt, receiveCount,
                firstReceivedAt);
    }
}
