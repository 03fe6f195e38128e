package dev.postbox.bench;

import java.util.List;

/**
 * One consumer of a load-generator queue (a drain's consumer, an idle poller): receives up to 10 messages with a
 * long poll, and deletes what it received.
 */
interface QueueConsumer extends AutoCloseable {
    record Received(String messageId, String body, String receiptHandle) {
    }

    /** Receives with a 1-second long poll: what a drain's consumers do. */
    default List<Received> receive() throws Exception {
        return receive(1);
    }

    List<Received> receive(int waitSeconds) throws Exception;

    void delete(List<Received> batch) throws Exception;

    @Override
    default void close() throws Exception {
    }
}
