package dev.postbox.core.api;

public final class DeleteQueue {
    private DeleteQueue() {
    }

    public record Request(String queueUrl) {
    }
}
