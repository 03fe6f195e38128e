package dev.postbox.core.api;

import java.util.List;

public final class ListQueues {
    private ListQueues() {
    }

    public record Request(String queueNamePrefix, Integer maxResults, String nextToken) {
    }

    public record Result(List<String> queueUrls, String nextToken) {
    }
}
