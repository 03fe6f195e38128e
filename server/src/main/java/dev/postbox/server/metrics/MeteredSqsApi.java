package dev.postbox.server.metrics;

import dev.postbox.core.MessageRules;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.*;
import dev.postbox.core.store.QueueKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The service, metered: every operation's requests by outcome ({@code sqs_requests_seconds{operation, outcome}},
 * outcome {@code ok} or the error's code), receives in progress, and the per-queue counters of {@link QueueMetrics}
 * for what succeeded. The service itself knows nothing of metrics.
 */
public final class MeteredSqsApi implements SqsApi {
    /** Buckets up to the longest long poll (20 s): enough to see a p99 without 70 buckets per series. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(20)};

    private final SqsApi service;
    private final MeterRegistry registry;
    private final QueueMetrics queues;
    private final String defaultAccount;
    /** By operation, then outcome: two lookups, nothing built per request. */
    private final Map<String, Map<String, Timer>> timers = new ConcurrentHashMap<>();
    private final AtomicInteger receivesInProgress;

    /** @param defaultAccount the account of unauthenticated callers (as the service's) */
    public MeteredSqsApi(SqsApi service, MeterRegistry registry, QueueMetrics queues, String defaultAccount) {
        this.service = service;
        this.registry = registry;
        this.queues = queues;
        this.defaultAccount = defaultAccount;
        this.receivesInProgress = registry.gauge("postbox.receives.in.progress", new AtomicInteger());
    }

    private <T> CompletableFuture<T> timed(String operation, Supplier<CompletableFuture<T>> call) {
        long start = System.nanoTime();
        CompletableFuture<T> result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            record(operation, e, start);
            throw e;
        }
        return result.whenComplete((value, failure) -> record(operation, failure, start));
    }

    private void record(String operation, Throwable failure, long start) {
        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
        String outcome = cause == null ? "ok" : cause instanceof SqsException sqs ? sqs.code().shapeName()
                : "InternalError";
        timers.computeIfAbsent(operation, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, k -> timer(operation, outcome))
                .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private Timer timer(String operation, String outcome) {
        return Timer.builder("sqs.requests").description("Requests that reached an operation, by operation and outcome")
                .tags("operation", operation, "outcome", outcome).serviceLevelObjectives(BUCKETS).register(registry);
    }

    private QueueMetrics.Meters queue(CallContext call, String queueUrl) {
        QueueKey key = QueueUrls.parse(queueUrl, call.region(),
                call.accountId() != null ? call.accountId() : defaultAccount);
        return queues.of(key);
    }

    @Override
    public CompletableFuture<SendMessage.Result> sendMessage(CallContext call, SendMessage.Request request) {
        return timed("SendMessage", () -> service.sendMessage(call, request)).thenApply(result -> {
            QueueMetrics.Meters meters = queue(call, request.queueUrl());
            meters.sent.increment();
            meters.sentSize.record(MessageRules.size(request.messageBody(), attributes(request.messageAttributes())));
            return result;
        });
    }

    @Override
    public CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call,
                                                                      SendMessageBatch.Request request) {
        return timed("SendMessageBatch", () -> service.sendMessageBatch(call, request)).thenApply(result -> {
            if (!result.successful().isEmpty()) {
                QueueMetrics.Meters meters = queue(call, request.queueUrl());
                Map<String, SendMessageBatch.RequestEntry> byId = new HashMap<>();
                request.entries().forEach(entry -> byId.put(entry.id(), entry));
                for (SendMessageBatch.ResultEntry sent : result.successful()) {
                    SendMessageBatch.RequestEntry entry = byId.get(sent.id());
                    meters.sent.increment();
                    meters.sentSize.record(MessageRules.size(entry.messageBody(),
                            attributes(entry.messageAttributes())));
                }
            }
            return result;
        });
    }

    private static Map<String, MessageAttributeValue> attributes(Map<String, MessageAttributeValue> attributes) {
        return attributes == null ? Map.of() : attributes;
    }

    @Override
    public CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, ReceiveMessage.Request request) {
        receivesInProgress.incrementAndGet();
        CompletableFuture<ReceiveMessage.Result> received;
        try {
            received = timed("ReceiveMessage", () -> service.receiveMessage(call, request));
        } catch (RuntimeException e) {
            receivesInProgress.decrementAndGet();
            throw e;
        }
        return received.whenComplete((result, failure) -> receivesInProgress.decrementAndGet()).thenApply(result -> {
            QueueMetrics.Meters meters = queue(call, request.queueUrl());
            if (result.messages().isEmpty()) {
                meters.emptyReceives.increment();
            } else {
                meters.received.increment(result.messages().size());
            }
            return result;
        });
    }

    @Override
    public CompletableFuture<Void> deleteMessage(CallContext call, DeleteMessage.Request request) {
        return timed("DeleteMessage", () -> service.deleteMessage(call, request)).thenApply(done -> {
            queue(call, request.queueUrl()).deleted.increment();
            return done;
        });
    }

    @Override
    public CompletableFuture<DeleteMessageBatch.Result> deleteMessageBatch(CallContext call,
                                                                          DeleteMessageBatch.Request request) {
        return timed("DeleteMessageBatch", () -> service.deleteMessageBatch(call, request)).thenApply(result -> {
            if (!result.successful().isEmpty()) {
                queue(call, request.queueUrl()).deleted.increment(result.successful().size());
            }
            return result;
        });
    }

    // ---- the rest: timed only ----------------------------------------------------------------------------------

    @Override
    public CompletableFuture<CreateQueue.Result> createQueue(CallContext call, CreateQueue.Request request) {
        return timed("CreateQueue", () -> service.createQueue(call, request));
    }

    @Override
    public CompletableFuture<GetQueueUrl.Result> getQueueUrl(CallContext call, GetQueueUrl.Request request) {
        return timed("GetQueueUrl", () -> service.getQueueUrl(call, request));
    }

    @Override
    public CompletableFuture<ListQueues.Result> listQueues(CallContext call, ListQueues.Request request) {
        return timed("ListQueues", () -> service.listQueues(call, request));
    }

    @Override
    public CompletableFuture<Void> deleteQueue(CallContext call, DeleteQueue.Request request) {
        return timed("DeleteQueue", () -> service.deleteQueue(call, request));
    }

    @Override
    public CompletableFuture<GetQueueAttributes.Result> getQueueAttributes(CallContext call,
                                                                          GetQueueAttributes.Request request) {
        return timed("GetQueueAttributes", () -> service.getQueueAttributes(call, request));
    }

    @Override
    public CompletableFuture<Void> setQueueAttributes(CallContext call, SetQueueAttributes.Request request) {
        return timed("SetQueueAttributes", () -> service.setQueueAttributes(call, request));
    }

    @Override
    public CompletableFuture<Void> purgeQueue(CallContext call, PurgeQueue.Request request) {
        return timed("PurgeQueue", () -> service.purgeQueue(call, request));
    }

    @Override
    public CompletableFuture<Void> changeMessageVisibility(CallContext call, ChangeMessageVisibility.Request request) {
        return timed("ChangeMessageVisibility", () -> service.changeMessageVisibility(call, request));
    }

    @Override
    public CompletableFuture<ChangeMessageVisibilityBatch.Result> changeMessageVisibilityBatch(
            CallContext call, ChangeMessageVisibilityBatch.Request request) {
        return timed("ChangeMessageVisibilityBatch", () -> service.changeMessageVisibilityBatch(call, request));
    }

    @Override
    public CompletableFuture<Void> tagQueue(CallContext call, TagQueue.Request request) {
        return timed("TagQueue", () -> service.tagQueue(call, request));
    }

    @Override
    public CompletableFuture<Void> untagQueue(CallContext call, UntagQueue.Request request) {
        return timed("UntagQueue", () -> service.untagQueue(call, request));
    }

    @Override
    public CompletableFuture<ListQueueTags.Result> listQueueTags(CallContext call, ListQueueTags.Request request) {
        return timed("ListQueueTags", () -> service.listQueueTags(call, request));
    }

    @Override
    public CompletableFuture<Void> addPermission(CallContext call, AddPermission.Request request) {
        return timed("AddPermission", () -> service.addPermission(call, request));
    }

    @Override
    public CompletableFuture<Void> removePermission(CallContext call, RemovePermission.Request request) {
        return timed("RemovePermission", () -> service.removePermission(call, request));
    }

    @Override
    public CompletableFuture<ListDeadLetterSourceQueues.Result> listDeadLetterSourceQueues(
            CallContext call, ListDeadLetterSourceQueues.Request request) {
        return timed("ListDeadLetterSourceQueues", () -> service.listDeadLetterSourceQueues(call, request));
    }

    @Override
    public CompletableFuture<StartMessageMoveTask.Result> startMessageMoveTask(CallContext call,
                                                                              StartMessageMoveTask.Request request) {
        return timed("StartMessageMoveTask", () -> service.startMessageMoveTask(call, request));
    }

    @Override
    public CompletableFuture<ListMessageMoveTasks.Result> listMessageMoveTasks(CallContext call,
                                                                              ListMessageMoveTasks.Request request) {
        return timed("ListMessageMoveTasks", () -> service.listMessageMoveTasks(call, request));
    }

    @Override
    public CompletableFuture<CancelMessageMoveTask.Result> cancelMessageMoveTask(
            CallContext call, CancelMessageMoveTask.Request request) {
        return timed("CancelMessageMoveTask", () -> service.cancelMessageMoveTask(call, request));
    }
}
