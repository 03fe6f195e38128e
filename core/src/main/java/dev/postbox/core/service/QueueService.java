package dev.postbox.core.service;

import dev.postbox.core.Limits;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.api.AddPermission;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CancelMessageMoveTask;
import dev.postbox.core.api.ChangeMessageVisibility;
import dev.postbox.core.api.ChangeMessageVisibilityBatch;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteMessage;
import dev.postbox.core.api.DeleteMessageBatch;
import dev.postbox.core.api.DeleteQueue;
import dev.postbox.core.api.GetQueueAttributes;
import dev.postbox.core.api.GetQueueUrl;
import dev.postbox.core.api.ListDeadLetterSourceQueues;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.ListQueueTags;
import dev.postbox.core.api.ListQueues;
import dev.postbox.core.api.PurgeQueue;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.RemovePermission;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.SendMessageBatch;
import dev.postbox.core.api.SetQueueAttributes;
import dev.postbox.core.api.SqsApi;
import dev.postbox.core.api.StartMessageMoveTask;
import dev.postbox.core.api.TagQueue;
import dev.postbox.core.api.UntagQueue;
import dev.postbox.core.store.QueueStore;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * SQS semantics over a {@link QueueStore}: the {@link SqsApi} façade over one class per concern — queues
 * ({@link QueueAdministration}), tags, sending, receiving with long polls, acknowledgements (deletes and visibility),
 * permissions, and dead-letter queues with their move tasks. Validation happens in AWS's order (required members,
 * ranges, queue, content); defaults come from queue attributes. It keeps no SQS state of its own: everything is in
 * the store, so that several services (nodes) can share one.
 *
 * <p>Every operation returns at once. An invalid request fails the future with its {@code SqsException} (a thrown
 * one is turned into a failed future here, so callers see one shape).
 */
public final class QueueService implements SqsApi, AutoCloseable {
    /**
     * @param accountId       the account that owns queues created here and that queue URLs without one refer to
     * @param queueReuseDelay how long a deleted queue's name stays blocked (AWS: 60 s)
     * @param purgeInterval   minimum time between two purges of a queue (AWS: 60 s)
     * @param urlStyle        how the queue URLs handed out show the region
     */
    public record Settings(String accountId, Duration queueReuseDelay, Duration purgeInterval,
                           QueueUrls.Style urlStyle) {
        public Settings(String accountId, Duration queueReuseDelay, Duration purgeInterval) {
            this(accountId, queueReuseDelay, purgeInterval, QueueUrls.Style.PATH);
        }

        public static Settings defaults() {
            return new Settings("000000000000", Duration.ofSeconds(Limits.QUEUE_NAME_REUSE_DELAY_SECONDS),
                    Duration.ofSeconds(Limits.PURGE_INTERVAL_SECONDS));
        }
    }

    private final QueueStore store;
    private final QueueAdministration queues;
    private final QueueTags tags;
    private final MessageSending sending;
    private final MessageReceiving receiving;
    private final Acknowledgements acknowledgements;
    private final Permissions permissions;
    private final DeadLetterQueues deadLetterQueues;

    public QueueService(QueueStore store, InstantSource clock, ReceiptHandles receiptHandles, Settings settings) {
        this.store = store;
        Queues lookup = new Queues(store, clock, settings.accountId(), new QueueUrls(settings.urlStyle()));
        this.queues = new QueueAdministration(store, clock, lookup, settings.queueReuseDelay(),
                settings.purgeInterval());
        this.tags = new QueueTags(store, lookup);
        this.sending = new MessageSending(store, clock, lookup);
        this.receiving = new MessageReceiving(store, clock, lookup, receiptHandles);
        this.acknowledgements = new Acknowledgements(store, clock, lookup, receiptHandles);
        this.permissions = new Permissions(store, clock, lookup);
        this.deadLetterQueues = new DeadLetterQueues(store, clock, lookup);
    }

    /** Resumes the message move tasks the store has active (after a restart of a durable store). */
    public QueueService resumeMoveTasks() {
        deadLetterQueues.resumeMoveTasks();
        return this;
    }

    @Override
    public CompletableFuture<CreateQueue.Result> createQueue(CallContext call, CreateQueue.Request request) {
        return call(() -> queues.createQueue(call, request));
    }

    @Override
    public CompletableFuture<GetQueueUrl.Result> getQueueUrl(CallContext call, GetQueueUrl.Request request) {
        return call(() -> queues.getQueueUrl(call, request));
    }

    @Override
    public CompletableFuture<ListQueues.Result> listQueues(CallContext call, ListQueues.Request request) {
        return call(() -> queues.listQueues(call, request));
    }

    @Override
    public CompletableFuture<Void> deleteQueue(CallContext call, DeleteQueue.Request request) {
        return call(() -> queues.deleteQueue(call, request));
    }

    @Override
    public CompletableFuture<GetQueueAttributes.Result> getQueueAttributes(CallContext call,
                                                                          GetQueueAttributes.Request request) {
        return call(() -> queues.getQueueAttributes(call, request));
    }

    @Override
    public CompletableFuture<Void> setQueueAttributes(CallContext call, SetQueueAttributes.Request request) {
        return call(() -> queues.setQueueAttributes(call, request));
    }

    @Override
    public CompletableFuture<Void> purgeQueue(CallContext call, PurgeQueue.Request request) {
        return call(() -> queues.purgeQueue(call, request));
    }

    @Override
    public CompletableFuture<SendMessage.Result> sendMessage(CallContext call, SendMessage.Request request) {
        return call(() -> sending.sendMessage(call, request));
    }

    @Override
    public CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call,
                                                                      SendMessageBatch.Request request) {
        return call(() -> sending.sendMessageBatch(call, request));
    }

    @Override
    public CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, ReceiveMessage.Request request) {
        return call(() -> receiving.receiveMessage(call, request));
    }

    @Override
    public CompletableFuture<Void> deleteMessage(CallContext call, DeleteMessage.Request request) {
        return call(() -> acknowledgements.deleteMessage(call, request));
    }

    @Override
    public CompletableFuture<DeleteMessageBatch.Result> deleteMessageBatch(CallContext call,
                                                                          DeleteMessageBatch.Request request) {
        return call(() -> acknowledgements.deleteMessageBatch(call, request));
    }

    @Override
    public CompletableFuture<Void> changeMessageVisibility(CallContext call, ChangeMessageVisibility.Request request) {
        return call(() -> acknowledgements.changeMessageVisibility(call, request));
    }

    @Override
    public CompletableFuture<ChangeMessageVisibilityBatch.Result> changeMessageVisibilityBatch(
            CallContext call, ChangeMessageVisibilityBatch.Request request) {
        return call(() -> acknowledgements.changeMessageVisibilityBatch(call, request));
    }

    @Override
    public CompletableFuture<Void> tagQueue(CallContext call, TagQueue.Request request) {
        return call(() -> tags.tagQueue(call, request));
    }

    @Override
    public CompletableFuture<Void> untagQueue(CallContext call, UntagQueue.Request request) {
        return call(() -> tags.untagQueue(call, request));
    }

    @Override
    public CompletableFuture<ListQueueTags.Result> listQueueTags(CallContext call, ListQueueTags.Request request) {
        return call(() -> tags.listQueueTags(call, request));
    }

    @Override
    public CompletableFuture<Void> addPermission(CallContext call, AddPermission.Request request) {
        return call(() -> permissions.addPermission(call, request));
    }

    @Override
    public CompletableFuture<Void> removePermission(CallContext call, RemovePermission.Request request) {
        return call(() -> permissions.removePermission(call, request));
    }

    @Override
    public CompletableFuture<ListDeadLetterSourceQueues.Result> listDeadLetterSourceQueues(
            CallContext call, ListDeadLetterSourceQueues.Request request) {
        return call(() -> deadLetterQueues.listDeadLetterSourceQueues(call, request));
    }

    @Override
    public CompletableFuture<StartMessageMoveTask.Result> startMessageMoveTask(CallContext call,
                                                                              StartMessageMoveTask.Request request) {
        return call(() -> deadLetterQueues.startMessageMoveTask(call, request));
    }

    @Override
    public CompletableFuture<ListMessageMoveTasks.Result> listMessageMoveTasks(CallContext call,
                                                                              ListMessageMoveTasks.Request request) {
        return call(() -> deadLetterQueues.listMessageMoveTasks(call, request));
    }

    @Override
    public CompletableFuture<CancelMessageMoveTask.Result> cancelMessageMoveTask(
            CallContext call, CancelMessageMoveTask.Request request) {
        return call(() -> deadLetterQueues.cancelMessageMoveTask(call, request));
    }

    /** The operation's future; what it threw before returning one becomes a failed future. */
    private static <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Stops long polls (waiting receives return what they have: nothing) and move-task workers. */
    @Override
    public void close() {
        receiving.close();
        deadLetterQueues.close();
        store.wakeAllWaiters();
    }
}
