package dev.postbox.core.api;

public final class GetQueueUrl {
    private GetQueueUrl() {
    }

    public record Request(String queueName, String queueOwnerAwsAccountId) {
    }

    public record Result(String queueUrl) {
    }
}
