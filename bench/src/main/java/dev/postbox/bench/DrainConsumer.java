package dev.postbox.bench;

import java.util.List;

/** One consumer of a drain: receives up to 10 messages with a short long poll, and deletes what it received. */
interface DrainConsumer extends AutoCloseable {
    record Received(String messageId, String body, String receiptHandle) {
    }

    List<Received> receive() throws Exception;

    void delete(List<Received> batch) throws Exception;

    @Override
    default void close() throws Exception {
    }
}
