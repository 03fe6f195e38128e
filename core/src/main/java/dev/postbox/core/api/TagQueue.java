package dev.postbox.core.api;

import java.util.Map;

public final class TagQueue {
    private TagQueue() {
    }

    public record Request(String queueUrl, Map<String, String> tags) {
    }
}
