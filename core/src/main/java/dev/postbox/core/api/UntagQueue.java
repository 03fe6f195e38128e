package dev.postbox.core.api;

import java.util.List;

public final class UntagQueue {
    private UntagQueue() {
    }

    public record Request(String queueUrl, List<String> tagKeys) {
    }
}
