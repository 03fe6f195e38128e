package dev.postbox.core.api;

import java.util.List;
import java.util.Map;

public final class GetQueueAttributes {
    private GetQueueAttributes() {
    }

    public record Request(String queueUrl, List<String> attributeNames) {
    }

    public record Result(Map<String, String> attributes) {
    }
}
