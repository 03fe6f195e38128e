package dev.postbox.core.api;

public final class CancelMessageMoveTask {
    private CancelMessageMoveTask() {
    }

    public record Request(String taskHandle) {
    }

    public record Result(long approximateNumberOfMessagesMoved) {
    }
}
