package dev.postbox.core.api;

public final class StartMessageMoveTask {
    private StartMessageMoveTask() {
    }

    public record Request(String sourceArn, String destinationArn, Integer maxNumberOfMessagesPerSecond) {
    }

    public record Result(String taskHandle) {
    }
}
