package dev.postbox.core.api;

public final class DeleteMessage {
    private DeleteMessage() {
    }

    public record Request(String queueUrl, String receiptHandle) {
    }
}
