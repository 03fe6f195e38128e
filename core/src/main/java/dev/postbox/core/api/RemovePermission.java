package dev.postbox.core.api;

public final class RemovePermission {
    private RemovePermission() {
    }

    public record Request(String queueUrl, String label) {
    }
}
