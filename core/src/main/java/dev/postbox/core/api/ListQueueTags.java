package dev.postbox.core.api;

import java.util.Map;

public final class ListQueueTags {
    private ListQueueTags() {
    }

    public record Request(String queueUrl) {
    }

    public record Result(Map<String, String> tags) {
    }
}
