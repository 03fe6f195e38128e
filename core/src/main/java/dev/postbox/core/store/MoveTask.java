package dev.postbox.core.store;

import java.time.Instant;

/**
 * A message move task (StartMessageMoveTask) as the store keeps it: it moves messages out of a dead-letter queue
 * back to their sources, or to a destination. Its state lives in the store so that a task outlives the process
 * that started it: a store that survives restarts resumes its running tasks after one.
 *
 * @param destinationArn               null: each message goes back to the queue it was dead-lettered from
 * @param maxNumberOfMessagesPerSecond null: as fast as the store allows
 * @param toMove                       the dead-letter queue's visible messages when the task started
 * @param failureReason                the error code a FAILED task stopped with; null otherwise
 */
public record MoveTask(String taskId, String sourceArn, String destinationArn, Integer maxNumberOfMessagesPerSecond,
                       long toMove, long moved, Instant startedAt, Status status, String failureReason) {

    /** RUNNING and CANCELLING are active: a source has at most one active task. */
    public enum Status {
        RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED;

        public boolean active() {
            return this == RUNNING || this == CANCELLING;
        }
    }

    public MoveTask withMoved(long movedNow) {
        return new MoveTask(taskId, sourceArn, destinationArn, maxNumberOfMessagesPerSecond, toMove, movedNow,
                startedAt, status, failureReason);
    }

    public MoveTask withStatus(Status newStatus, String reason) {
        return new MoveTask(taskId, sourceArn, destinationArn, maxNumberOfMessagesPerSecond, toMove, moved,
                startedAt, newStatus, reason);
    }
}
