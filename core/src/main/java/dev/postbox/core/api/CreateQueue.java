package dev.postbox.core.api;

import java.util.Map;

public final class CreateQueue {
    private CreateQueue() {
    }

    public record Request(String queueName, Map<String, String> attributes, Map<String, String> tags) {
    }

    public record Result(String queueUrl) {
    }
}
