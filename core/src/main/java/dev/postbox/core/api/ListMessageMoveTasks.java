package dev.postbox.core.api;

import java.util.List;

public final class ListMessageMoveTasks {
    private ListMessageMoveTasks() {
    }

    public record Request(String sourceArn, Integer maxResults) {
    }

    public record Result(List<Entry> results) {
    }

    /** Null members are absent on the wire: the handle exists only while RUNNING, the reason only when FAILED. */
    public record Entry(String taskHandle, String status, String sourceArn, String destinationArn,
                        Integer maxNumberOfMessagesPerSecond, long approximateNumberOfMessagesMoved,
                        long approximateNumberOfMessagesToMove, String failureReason, long startedTimestamp) {
    }
}
