package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.MoveTaskHandles;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.RedrivePolicies;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CancelMessageMoveTask;
import dev.postbox.core.api.ListDeadLetterSourceQueues;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.StartMessageMoveTask;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * ListDeadLetterSourceQueues, and the message move tasks that redrive a dead-letter queue (sqs-reference.md §5.10):
 * Start, List and CancelMessageMoveTask. A task's state lives in the store; {@link MoveTaskRunner} moves its messages.
 */
final class DeadLetterQueues implements AutoCloseable {
    private static final int MAX_LISTED_TASKS = 10;

    private final QueueStore store;
    private final InstantSource clock;
    private final Queues queues;
    private final MoveTaskRunner runner;

    DeadLetterQueues(QueueStore store, InstantSource clock, Queues queues) {
        this.store = store;
        this.clock = clock;
        this.queues = queues;
        this.runner = new MoveTaskRunner(store, clock);
    }

    CompletableFuture<ListDeadLetterSourceQueues.Result> listDeadLetterSourceQueues(
            CallContext call, ListDeadLetterSourceQueues.Request request) {
        return queues.require(call, "sqs:ListDeadLetterSourceQueues", request.queueUrl())
                .thenCompose(deadLetter -> sources(deadLetter.key()))
                .thenApply(sources -> {
                    Queues.Page page = queues.page(call, sources, request.maxResults(), request.nextToken());
                    return new ListDeadLetterSourceQueues.Result(page.urls(), page.nextToken());
                });
    }

    /** The queues of the dead-letter queue's account and region whose redrive policy names it, ordered by name. */
    private CompletableFuture<List<QueueRecord>> sources(QueueKey deadLetter) {
        String deadLetterArn = QueueUrls.arn(deadLetter);
        return store.queues(deadLetter.region(), deadLetter.accountId(), "").thenApply(all -> all.stream().filter(queue -> {
            String redrive = queue.attributes().get(QueueAttributes.REDRIVE_POLICY);
            return redrive != null
                    && deadLetterArn.equals(RedrivePolicies.parseRedrivePolicy(redrive).deadLetterTargetArn());
        }).toList());
    }

    CompletableFuture<StartMessageMoveTask.Result> startMessageMoveTask(CallContext call,
                                                                       StartMessageMoveTask.Request request) {
        String sourceArn = request.sourceArn();
        if (sourceArn == null || sourceArn.isEmpty()) {
            throw SqsException.missingParameter("SourceArn");
        }
        String destinationArn = request.destinationArn() == null || request.destinationArn().isEmpty()
                ? null : request.destinationArn();
        Integer rate = request.maxNumberOfMessagesPerSecond();
        return existing(sourceArn, call, "SourceArn").thenCompose(source -> sources(source.key())
                .thenCompose(sources -> {
                    if (sources.isEmpty()) {
                        throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE,
                                "Source queue must be configured as a Dead Letter Queue.");
                    }
                    return destinationArn == null ? CompletableFuture.completedFuture(null)
                            : existing(destinationArn, call, "DestinationArn");
                }).thenCompose(destination -> {
                    if (destination != null && destination.fifo() != source.fifo()) {
                        throw SqsException.invalidParameter("DestinationArn", destinationArn,
                                "The destination queue must be of the same type as the source queue.");
                    }
                    if (rate != null && (rate < 1 || rate > Limits.MAX_MOVE_TASK_RATE)) {
                        throw SqsException.invalidParameter("MaxNumberOfMessagesPerSecond", rate,
                                "Must be between 1 and " + Limits.MAX_MOVE_TASK_RATE + ".");
                    }
                    return store.counts(source.key(), clock.instant());
                }).thenCompose(counts -> store.startMoveTask(new MoveTask(UUID.randomUUID().toString(), sourceArn,
                        destinationArn, rate, counts.visible(), 0, clock.instant(), MoveTask.Status.RUNNING, null))))
                .thenApply(started -> {
                    MoveTask task = started.orElseThrow(() -> new SqsException(ErrorCode.INVALID_PARAMETER_VALUE,
                            "There is already a task running. Only one active task is allowed for a source queue arn"
                                    + " at a given time."));
                    runner.run(task);
                    return new StartMessageMoveTask.Result(MoveTaskHandles.encode(task.taskId(), task.sourceArn()));
                });
    }

    CompletableFuture<ListMessageMoveTasks.Result> listMessageMoveTasks(CallContext call,
                                                                       ListMessageMoveTasks.Request request) {
        if (request.sourceArn() == null || request.sourceArn().isEmpty()) {
            throw SqsException.missingParameter("SourceArn");
        }
        return existing(request.sourceArn(), call, "SourceArn").thenCompose(source -> {
            int max = request.maxResults() == null ? 1 : request.maxResults();
            if (max < 1 || max > MAX_LISTED_TASKS) {
                throw SqsException.invalidParameter("MaxResults", max, "Must be between 1 and " + MAX_LISTED_TASKS
                        + ".");
            }
            return store.moveTasks(request.sourceArn()).thenApply(tasks -> new ListMessageMoveTasks.Result(
                    tasks.stream().limit(max).map(DeadLetterQueues::entry).toList()));
        });
    }

    /** A task as ListMessageMoveTasks shows it: the handle only while RUNNING, the reason only when FAILED. */
    private static ListMessageMoveTasks.Entry entry(MoveTask task) {
        return new ListMessageMoveTasks.Entry(task.status() == MoveTask.Status.RUNNING
                ? MoveTaskHandles.encode(task.taskId(), task.sourceArn()) : null, task.status().name(),
                task.sourceArn(), task.destinationArn(), task.maxNumberOfMessagesPerSecond(), task.moved(),
                task.toMove(), task.status() == MoveTask.Status.FAILED ? task.failureReason() : null,
                task.startedAt().toEpochMilli());
    }

    CompletableFuture<CancelMessageMoveTask.Result> cancelMessageMoveTask(CallContext call,
                                                                         CancelMessageMoveTask.Request request) {
        String handle = request.taskHandle();
        if (handle == null || handle.isEmpty()) {
            throw SqsException.missingParameter("TaskHandle");
        }
        MoveTaskHandles.Handle named = MoveTaskHandles.decode(handle);
        return existing(named.sourceArn(), call, "SourceArn")
                .thenCompose(source -> store.updateMoveTask(named.sourceArn(), named.taskId(), task -> {
                    if (task.status() != MoveTask.Status.RUNNING) {
                        throw taskDoesNotExist();
                    }
                    return task.withStatus(MoveTask.Status.CANCELLING, null);
                }))
                .thenApply(cancelled -> new CancelMessageMoveTask.Result(
                        cancelled.orElseThrow(DeadLetterQueues::taskDoesNotExist).moved()));
    }

    private static SqsException taskDoesNotExist() {
        return new SqsException(ErrorCode.RESOURCE_NOT_FOUND, "Task does not exist.");
    }

    /** The queue an ARN names, if it exists in this region and account; else {@code ResourceNotFoundException}. */
    private CompletableFuture<QueueRecord> existing(String arn, CallContext call, String parameter) {
        QueueKey key = QueueUrls.parseArn(arn);
        CompletableFuture<QueueRecord> queue = key == null || !key.accountId().equals(queues.accountOf(call))
                || !key.region().equals(call.region())
                ? CompletableFuture.completedFuture(null) : store.queue(key).thenApply(q -> q.orElse(null));
        return queue.thenApply(found -> {
            if (found == null) {
                throw new SqsException(ErrorCode.RESOURCE_NOT_FOUND,
                        "The resource that you specified for the " + parameter + " parameter doesn't exist.");
            }
            return found;
        });
    }

    /** Resumes the store's active tasks (a restart): running ones go on moving, cancelling ones end cancelled. */
    void resumeMoveTasks() {
        for (MoveTask task : QueueStore.await(store.activeMoveTasks())) {
            if (task.status() == MoveTask.Status.CANCELLING) {
                QueueStore.await(store.updateMoveTask(task.sourceArn(), task.taskId(),
                        t -> t.withStatus(MoveTask.Status.CANCELLED, null)));
            } else {
                runner.run(task);
            }
        }
    }

    @Override
    public void close() {
        runner.close();
    }
}
