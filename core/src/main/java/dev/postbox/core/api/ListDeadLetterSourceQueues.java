package dev.postbox.core.api;

import java.util.List;

public final class ListDeadLetterSourceQueues {
    private ListDeadLetterSourceQueues() {
    }

    public record Request(String queueUrl, Integer maxResults, String nextToken) {
    }

    public record Result(List<String> queueUrls, String nextToken) {
    }
}
