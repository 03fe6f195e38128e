package dev.postbox.core.api;

public final class ChangeMessageVisibility {
    private ChangeMessageVisibility() {
    }

    public record Request(String queueUrl, String receiptHandle, Integer visibilityTimeout) {
    }
}
