package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueStore;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Moves a message move task's messages, on a virtual thread of its own: receives up to ten from the dead-letter
 * queue, sends each to its destination (its source queue, or the task's destination), then deletes it, at most
 * {@code MaxNumberOfMessagesPerSecond} per second (paced in real time). Before every batch it reads the task's status
 * in the store, so a cancel that another request (or node) recorded stops it; after every batch it records its
 * progress there.
 *
 * <p>A message is sent before it is deleted, so a crash can duplicate but never lose it. Moved messages start a
 * fresh life: receive count zero, no {@code DeadLetterQueueSourceArn}. When the service closes, the worker stops
 * between messages and the task stays RUNNING in the store, to be resumed by the next service on a durable store.
 */
final class MoveTaskRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MoveTaskRunner.class.getName());
    private static final Duration MOVE_VISIBILITY = Duration.ofMinutes(5);
    private static final int BATCH = 10;

    private final QueueStore store;
    private final InstantSource clock;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean closing;

    MoveTaskRunner(QueueStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Starts moving the task's messages (from where its progress says it got to). */
    void run(MoveTask task) {
        workers.submit(() -> move(task));
    }

    private void move(MoveTask task) {
        QueueKey source = QueueUrls.parseArn(task.sourceArn());
        QueueKey destination = task.destinationArn() == null ? null
                : QueueUrls.parseArn(task.destinationArn());
        long moved = task.moved();
        long movedBefore = moved;
        long started = System.nanoTime();
        try {
            while (moved < task.toMove() && !closing && stillRunning(task)) {
                int batch = (int) Math.min(BATCH, task.toMove() - moved);
                if (task.maxNumberOfMessagesPerSecond() != null) {
                    batch = Math.min(batch, task.maxNumberOfMessagesPerSecond());
                }
                Instant now = clock.instant();
                List<Delivery> deliveries = QueueStore.await(store.receive(source,
                        QueueStore.Receive.of(batch, MOVE_VISIBILITY), now));
                if (deliveries.isEmpty()) {
                    break;
                }
                for (Delivery delivery : deliveries) {
                    QueueKey target = destination != null ? destination : QueueUrls.parseArn(
                            delivery.data().deadLetterQueueSourceArn());
                    if (target == null || QueueStore.await(store.queue(target)).isEmpty()) {
                        QueueStore.await(store.changeVisibility(source, delivery.sequence(), delivery.receiveCount(),
                                now, now));
                        end(task, MoveTask.Status.FAILED, ErrorCode.QUEUE_DOES_NOT_EXIST.queryCode());
                        return;
                    }
                    // It leaves the source only once it is stored in the destination.
                    QueueStore.await(store.send(target, List.of(new NewMessage(
                            delivery.data().withDeadLetterQueueSourceArn(null), now, now, false)), now));
                    QueueStore.await(store.delete(source, delivery.sequence(), delivery.receiveCount(), now));
                    moved++;
                }
                long movedNow = moved;
                QueueStore.await(store.updateMoveTask(task.sourceArn(), task.taskId(), t -> t.withMoved(movedNow)));
                pace(task, moved - movedBefore, started);
            }
            if (!closing) {
                end(task, null, null);
            }
        } catch (SqsException e) {
            end(task, MoveTask.Status.FAILED, e.code().queryCode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the service is closing: the task stays RUNNING in the store
        } catch (RuntimeException e) {
            if (!closing) {
                LOG.log(System.Logger.Level.ERROR, "message move task " + task.taskId() + " failed", e);
                end(task, MoveTask.Status.FAILED, ErrorCode.INTERNAL_ERROR.queryCode());
            }
        }
    }

    /** Whether the store still has the task RUNNING (not cancelled by a request, here or on another node). */
    private boolean stillRunning(MoveTask task) {
        return QueueStore.await(store.moveTasks(task.sourceArn())).stream()
                .anyMatch(t -> t.taskId().equals(task.taskId()) && t.status() == MoveTask.Status.RUNNING);
    }

    /** Sleeps until {@code moved} messages are due at the task's rate (a no-op without a rate). */
    private static void pace(MoveTask task, long moved, long startedNanos) throws InterruptedException {
        if (task.maxNumberOfMessagesPerSecond() == null) {
            return;
        }
        long dueNanos = moved * 1_000_000_000L / task.maxNumberOfMessagesPerSecond();
        long aheadNanos = dueNanos - (System.nanoTime() - startedNanos);
        if (aheadNanos > 0) {
            Thread.sleep(Duration.ofNanos(aheadNanos));
        }
    }

    /** Ends the task: FAILED with a reason, or (status null) CANCELLED if a cancel was recorded, else COMPLETED. */
    private void end(MoveTask task, MoveTask.Status status, String reason) {
        QueueStore.await(store.updateMoveTask(task.sourceArn(), task.taskId(), t -> t.withStatus(status != null
                ? status : t.status() == MoveTask.Status.CANCELLING ? MoveTask.Status.CANCELLED
                : MoveTask.Status.COMPLETED, reason)));
    }

    /** Stops the workers between messages and waits for them a little; their tasks stay active in the store. */
    @Override
    public void close() {
        closing = true;
        workers.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
