package dev.postbox.core.api;

import java.util.List;

public final class DeleteMessageBatch {
    private DeleteMessageBatch() {
    }

    public record Request(String queueUrl, List<RequestEntry> entries) {
    }

    public record RequestEntry(String id, String receiptHandle) {
    }

    /** {@code successful} holds the ids of the entries that succeeded. */
    public record Result(List<String> successful, List<BatchResultErrorEntry> failed) {
    }
}
