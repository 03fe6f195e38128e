package dev.postbox.core.api;

public final class PurgeQueue {
    private PurgeQueue() {
    }

    public record Request(String queueUrl) {
    }
}
