package dev.postbox.store.memory.engine;

import dev.postbox.core.store.MessageData;

import java.time.Instant;

/**
 * A message a receive took out of its queue because it was received more often than the redrive policy allows; it
 * goes to the dead-letter queue ({@link MemoryQueue#movedIn}) with its history.
 *
 * @param data null when the payload lives in the store ({@link Payloads#IN_STORE}): the store loads it
 */
public record DeadLetter(long sequence, MessageData data, Instant retainedFrom, int receiveCount,
                         Instant firstReceivedAt) {
    public DeadLetter withData(MessageData loaded) {
        return new DeadLetter(sequence, loaded, retainedFrom, receiveCount, firstReceivedAt);
    }
}
