package dev.postbox.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CancelMessageMoveTask;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.StartMessageMoveTask;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Message move tasks (sqs-reference.md §5.10): move the messages of a dead-letter queue back to their source queues,
 * or to a given destination, on a virtual thread, at most {@code MaxNumberOfMessagesPerSecond} per second.
 * One active task per source queue; the ten most recent tasks of a source are remembered (per node, in memory).
 *
 * <p>A message is sent to its destination before it is deleted from the DLQ, so a crash can duplicate but never
 * lose it. Moved messages start a fresh life: receive count zero, no {@code DeadLetterQueueSourceArn}.
 */
final class MessageMoveTasks implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MessageMoveTasks.class.getName());
    private static final int HISTORY = 10;
    private static final Duration MOVE_VISIBILITY = Duration.ofMinutes(5);

    enum Status { RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED }

    private static final class Task {
        final String id = UUID.randomUUID().toString();
        final String sourceArn;
        final QueueKey source;
        final String destinationArn;
        final QueueKey destination;
        final Integer rate;
        final long toMove;
        final long startedMillis;
        final AtomicLong moved = new AtomicLong();
        volatile Status status = Status.RUNNING;
        volatile String failureReason;

        Task(String sourceArn, QueueKey source, String destinationArn, QueueKey destination, Integer rate,
             long toMove, long startedMillis) {
            this.sourceArn = sourceArn;
            this.source = source;
            this.destinationArn = destinationArn;
            this.destination = destination;
            this.rate = rate;
            this.toMove = toMove;
            this.startedMillis = startedMillis;
        }

        String handle() {
            ObjectNode node = RedrivePolicies.JSON.createObjectNode();
            node.put("taskId", id);
            node.put("sourceArn", sourceArn);
            return Base64.getEncoder().encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
        }

        boolean active() {
            return status == Status.RUNNING || status == Status.CANCELLING;
        }
    }

    private final QueueStore store;
    private final InstantSource clock;
    private final String accountId;
    private final Map<String, Deque<Task>> tasksBySource = new HashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    MessageMoveTasks(QueueStore store, InstantSource clock, String accountId) {
        this.store = store;
        this.clock = clock;
        this.accountId = accountId;
    }

    StartMessageMoveTask.Result start(CallContext call, StartMessageMoveTask.Request request) {
        String sourceArn = request.sourceArn();
        if (sourceArn == null || sourceArn.isEmpty()) {
            throw SqsException.missingParameter("SourceArn");
        }
        QueueKey source = existing(sourceArn, call, "SourceArn");
        boolean isDeadLetterQueue = store.queues(source.accountId(), "").stream().anyMatch(q -> {
            String redrive = q.attributes().get(QueueAttributes.REDRIVE_POLICY);
            return redrive != null && sourceArn.equals(RedrivePolicies.parseRedrivePolicy(redrive).deadLetterTargetArn());
        });
        if (!isDeadLetterQueue) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE,
                    "Source queue must be configured as a Dead Letter Queue.");
        }
        String destinationArn = request.destinationArn();
        QueueKey destination = null;
        if (destinationArn != null && !destinationArn.isEmpty()) {
            destination = existing(destinationArn, call, "DestinationArn");
            if (store.queue(destination).map(QueueRecord::fifo).orElse(false)
                    != store.queue(source).map(QueueRecord::fifo).orElse(false)) {
                throw SqsException.invalidParameter("DestinationArn", destinationArn,
                        "The destination queue must be of the same type as the source queue.");
            }
        } else {
            destinationArn = null;
        }
        Integer rate = request.maxNumberOfMessagesPerSecond();
        if (rate != null && (rate < 1 || rate > Limits.MAX_MOVE_TASK_RATE)) {
            throw SqsException.invalidParameter("MaxNumberOfMessagesPerSecond", rate,
                    "Must be between 1 and " + Limits.MAX_MOVE_TASK_RATE + ".");
        }
        Task task;
        synchronized (tasksBySource) {
            Deque<Task> history = tasksBySource.computeIfAbsent(sourceArn, s -> new ArrayDeque<>());
            if (history.stream().anyMatch(Task::active)) {
                throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "There is already a task running. Only one"
                        + " active task is allowed for a source queue arn at a given time.");
            }
            Instant now = clock.instant();
            task = new Task(sourceArn, source, destinationArn, destination, rate,
                    store.counts(source, now).visible(), now.toEpochMilli());
            history.addFirst(task);
            while (history.size() > HISTORY) {
                history.removeLast();
            }
        }
        workers.submit(() -> run(task));
        return new StartMessageMoveTask.Result(task.handle());
    }

    ListMessageMoveTasks.Result list(CallContext call, ListMessageMoveTasks.Request request) {
        if (request.sourceArn() == null || request.sourceArn().isEmpty()) {
            throw SqsException.missingParameter("SourceArn");
        }
        existing(request.sourceArn(), call, "SourceArn");
        int max = request.maxResults() == null ? 1 : request.maxResults();
        if (max < 1 || max > HISTORY) {
            throw SqsException.invalidParameter("MaxResults", max, "Must be between 1 and " + HISTORY + ".");
        }
        List<ListMessageMoveTasks.Entry> entries = new ArrayList<>();
        synchronized (tasksBySource) {
            for (Task task : tasksBySource.getOrDefault(request.sourceArn(), new ArrayDeque<>())) {
                if (entries.size() == max) {
                    break;
                }
                entries.add(new ListMessageMoveTasks.Entry(task.status == Status.RUNNING ? task.handle() : null,
                        task.status.name(), task.sourceArn, task.destinationArn, task.rate, task.moved.get(),
                        task.toMove, task.status == Status.FAILED ? task.failureReason : null, task.startedMillis));
            }
        }
        return new ListMessageMoveTasks.Result(entries);
    }

    CancelMessageMoveTask.Result cancel(CallContext call, CancelMessageMoveTask.Request request) {
        String handle = request.taskHandle();
        if (handle == null || handle.isEmpty()) {
            throw SqsException.missingParameter("TaskHandle");
        }
        String taskId;
        String sourceArn;
        try {
            JsonNode node = RedrivePolicies.JSON.readTree(Base64.getDecoder().decode(handle));
            taskId = node.get("taskId").asText();
            sourceArn = node.get("sourceArn").asText();
        } catch (Exception e) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Value for parameter TaskHandle is invalid.");
        }
        existing(sourceArn, call, "SourceArn");
        synchronized (tasksBySource) {
            Task task = tasksBySource.getOrDefault(sourceArn, new ArrayDeque<>()).stream()
                    .filter(t -> t.id.equals(taskId)).findFirst()
                    .orElseThrow(() -> new SqsException(ErrorCode.RESOURCE_NOT_FOUND, "Task does not exist."));
            if (task.status != Status.RUNNING) {
                throw new SqsException(ErrorCode.RESOURCE_NOT_FOUND, "Task does not exist.");
            }
            task.status = Status.CANCELLING;
            return new CancelMessageMoveTask.Result(task.moved.get());
        }
    }

    private QueueKey existing(String arn, CallContext call, String parameter) {
        QueueKey key = QueueUrls.parseArn(arn, call.region());
        if (key == null || !key.accountId().equals(accountId) || store.queue(key).isEmpty()) {
            throw new SqsException(ErrorCode.RESOURCE_NOT_FOUND,
                    "The resource that you specified for the " + parameter + " parameter doesn't exist.");
        }
        return key;
    }

    private void run(Task task) {
        long started = System.nanoTime();
        try {
            while (task.status == Status.RUNNING && task.moved.get() < task.toMove) {
                int batch = (int) Math.min(10, task.toMove - task.moved.get());
                if (task.rate != null) {
                    batch = Math.min(batch, task.rate);
                }
                Instant now = clock.instant();
                List<Delivery> deliveries = store.receive(task.source, batch, MOVE_VISIBILITY, now, null);
                if (deliveries.isEmpty()) {
                    break;
                }
                for (Delivery delivery : deliveries) {
                    QueueKey destination = task.destination != null ? task.destination
                            : QueueUrls.parseArn(delivery.data().deadLetterQueueSourceArn(), regionOf(task.sourceArn));
                    if (destination == null || store.queue(destination).isEmpty()) {
                        store.changeVisibility(task.source, delivery.sequence(), delivery.receiveCount(), now, now);
                        fail(task, ErrorCode.QUEUE_DOES_NOT_EXIST.queryCode());
                        return;
                    }
                    // It leaves the source only once it is stored in the destination.
                    QueueStore.await(store.send(destination, List.of(new NewMessage(
                            delivery.data().withDeadLetterQueueSourceArn(null), now, now, false)), now));
                    QueueStore.await(store.delete(task.source, delivery.sequence(), delivery.receiveCount(), now));
                    task.moved.incrementAndGet();
                }
                if (task.rate != null) {
                    long dueNanos = task.moved.get() * 1_000_000_000L / task.rate;
                    long aheadNanos = dueNanos - (System.nanoTime() - started);
                    if (aheadNanos > 0) {
                        Thread.sleep(Duration.ofNanos(aheadNanos));
                    }
                }
            }
            task.status = task.status == Status.CANCELLING ? Status.CANCELLED : Status.COMPLETED;
        } catch (SqsException e) {
            fail(task, e.code().queryCode());
        } catch (InterruptedException e) {
            task.status = Status.CANCELLED;
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "message move task " + task.id + " failed", e);
            fail(task, ErrorCode.INTERNAL_ERROR.queryCode());
        }
    }

    private static void fail(Task task, String reason) {
        task.failureReason = reason;
        task.status = Status.FAILED;
    }

    private static String regionOf(String arn) {
        return arn.split(":", -1)[3];
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
