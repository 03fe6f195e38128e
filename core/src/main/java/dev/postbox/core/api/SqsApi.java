package dev.postbox.core.api;

import java.util.concurrent.CompletableFuture;

/**
 * The SQS operations, one method each, named as on the wire. Implementations throw
 * {@link dev.postbox.core.SqsException} for every request that AWS would reject; batch operations report
 * per-entry failures in their results instead.
 */
public interface SqsApi {
    CreateQueue.Result createQueue(CallContext call, CreateQueue.Request request);

    GetQueueUrl.Result getQueueUrl(CallContext call, GetQueueUrl.Request request);

    ListQueues.Result listQueues(CallContext call, ListQueues.Request request);

    void deleteQueue(CallContext call, DeleteQueue.Request request);

    GetQueueAttributes.Result getQueueAttributes(CallContext call, GetQueueAttributes.Request request);

    void setQueueAttributes(CallContext call, SetQueueAttributes.Request request);

    void purgeQueue(CallContext call, PurgeQueue.Request request);

    /**
     * Returns at once; the result completes once the message is stored (after its fsync, for a durable store), and
     * fails with an {@code SqsException} if it could not be. Invalid requests throw here.
     */
    CompletableFuture<SendMessage.Result> sendMessage(CallContext call, SendMessage.Request request);

    /** Like {@link #sendMessage}: the result completes once the accepted entries are stored. */
    CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call, SendMessageBatch.Request request);

    /**
     * Returns at once; the result completes when messages arrive or the long-poll wait passes. Invalid requests
     * throw here, before any wait.
     */
    CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, ReceiveMessage.Request request);

    /** Like {@link #sendMessage}: completes once the deletion is stored. Invalid requests throw here. */
    CompletableFuture<Void> deleteMessage(CallContext call, DeleteMessage.Request request);

    /** Completes once every entry's deletion is stored or has failed (entries fail one by one). */
    CompletableFuture<DeleteMessageBatch.Result> deleteMessageBatch(CallContext call,
                                                                    DeleteMessageBatch.Request request);

    void changeMessageVisibility(CallContext call, ChangeMessageVisibility.Request request);

    ChangeMessageVisibilityBatch.Result changeMessageVisibilityBatch(CallContext call,
                                                                     ChangeMessageVisibilityBatch.Request request);

    void tagQueue(CallContext call, TagQueue.Request request);

    void untagQueue(CallContext call, UntagQueue.Request request);

    ListQueueTags.Result listQueueTags(CallContext call, ListQueueTags.Request request);

    void addPermission(CallContext call, AddPermission.Request request);

    void removePermission(CallContext call, RemovePermission.Request request);

    ListDeadLetterSourceQueues.Result listDeadLetterSourceQueues(CallContext call,
                                                                 ListDeadLetterSourceQueues.Request request);

    StartMessageMoveTask.Result startMessageMoveTask(CallContext call, StartMessageMoveTask.Request request);

    ListMessageMoveTasks.Result listMessageMoveTasks(CallContext call, ListMessageMoveTasks.Request request);

    CancelMessageMoveTask.Result cancelMessageMoveTask(CallContext call, CancelMessageMoveTask.Request request);
}
