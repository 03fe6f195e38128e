package dev.postbox.core.api;

import java.util.Map;

public final class SetQueueAttributes {
    private SetQueueAttributes() {
    }

    public record Request(String queueUrl, Map<String, String> attributes) {
    }
}
