package dev.postbox.core.api;

import java.util.concurrent.CompletableFuture;

/**
 * The SQS operations, one method each, named as on the wire. Every method returns at once with a future of its
 * result ({@code Void} for operations without output): the work that waits (for a commit, a disk read, a long poll's
 * messages) completes it later, on whatever thread finished that work, so a caller on an event loop never blocks.
 * Requests that AWS would reject fail the future with a {@link dev.postbox.core.SqsException} (or throw it before
 * any work began); batch operations report per-entry failures in their results instead.
 */
public interface SqsApi {
    CompletableFuture<CreateQueue.Result> createQueue(CallContext call, CreateQueue.Request request);

    CompletableFuture<GetQueueUrl.Result> getQueueUrl(CallContext call, GetQueueUrl.Request request);

    CompletableFuture<ListQueues.Result> listQueues(CallContext call, ListQueues.Request request);

    CompletableFuture<Void> deleteQueue(CallContext call, DeleteQueue.Request request);

    CompletableFuture<GetQueueAttributes.Result> getQueueAttributes(CallContext call,
                                                                    GetQueueAttributes.Request request);

    CompletableFuture<Void> setQueueAttributes(CallContext call, SetQueueAttributes.Request request);

    CompletableFuture<Void> purgeQueue(CallContext call, PurgeQueue.Request request);

    CompletableFuture<SendMessage.Result> sendMessage(CallContext call, SendMessage.Request request);

    CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call, SendMessageBatch.Request request);

    CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, ReceiveMessage.Request request);

    CompletableFuture<Void> deleteMessage(CallContext call, DeleteMessage.Request request);

    CompletableFuture<DeleteMessageBatch.Result> deleteMessageBatch(CallContext call,
                                                                    DeleteMessageBatch.Request request);

    CompletableFuture<Void> changeMessageVisibility(CallContext call, ChangeMessageVisibility.Request request);

    CompletableFuture<ChangeMessageVisibilityBatch.Result> changeMessageVisibilityBatch(
            CallContext call, ChangeMessageVisibilityBatch.Request request);

    CompletableFuture<Void> tagQueue(CallContext call, TagQueue.Request request);

    CompletableFuture<Void> untagQueue(CallContext call, UntagQueue.Request request);

    CompletableFuture<ListQueueTags.Result> listQueueTags(CallContext call, ListQueueTags.Request request);

    CompletableFuture<Void> addPermission(CallContext call, AddPermission.Request request);

    CompletableFuture<Void> removePermission(CallContext call, RemovePermission.Request request);

    CompletableFuture<ListDeadLetterSourceQueues.Result> listDeadLetterSourceQueues(
            CallContext call, ListDeadLetterSourceQueues.Request request);

    CompletableFuture<StartMessageMoveTask.Result> startMessageMoveTask(CallContext call,
                                                                        StartMessageMoveTask.Request request);

    CompletableFuture<ListMessageMoveTasks.Result> listMessageMoveTasks(CallContext call,
                                                                        ListMessageMoveTasks.Request request);

    CompletableFuture<CancelMessageMoveTask.Result> cancelMessageMoveTask(CallContext call,
                                                                          CancelMessageMoveTask.Request request);
}
