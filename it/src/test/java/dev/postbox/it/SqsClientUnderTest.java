package dev.postbox.it;

import software.amazon.awssdk.services.sqs.model.*;

/**
 * The SQS operations the spec uses, in the AWS SDK for Java v2's model types. One implementation calls the server
 * through SDK v2 (AWS JSON 1.0), the other through SDK v1 (query protocol), converting to and from these types;
 * both SDKs verify the MD5 digests of what they send and receive. Errors surface as {@link SqsError}.
 */
interface SqsClientUnderTest extends AutoCloseable {
    String protocol();

    CreateQueueResponse createQueue(CreateQueueRequest r);

    GetQueueUrlResponse getQueueUrl(GetQueueUrlRequest r);

    ListQueuesResponse listQueues(ListQueuesRequest r);

    void deleteQueue(DeleteQueueRequest r);

    GetQueueAttributesResponse getQueueAttributes(GetQueueAttributesRequest r);

    void setQueueAttributes(SetQueueAttributesRequest r);

    void purgeQueue(PurgeQueueRequest r);

    SendMessageResponse sendMessage(SendMessageRequest r);

    SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest r);

    ReceiveMessageResponse receiveMessage(ReceiveMessageRequest r);

    void deleteMessage(DeleteMessageRequest r);

    DeleteMessageBatchResponse deleteMessageBatch(DeleteMessageBatchRequest r);

    void changeMessageVisibility(ChangeMessageVisibilityRequest r);

    ChangeMessageVisibilityBatchResponse changeMessageVisibilityBatch(ChangeMessageVisibilityBatchRequest r);

    void tagQueue(TagQueueRequest r);

    void untagQueue(UntagQueueRequest r);

    ListQueueTagsResponse listQueueTags(ListQueueTagsRequest r);

    void addPermission(AddPermissionRequest r);

    void removePermission(RemovePermissionRequest r);

    ListDeadLetterSourceQueuesResponse listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest r);

    StartMessageMoveTaskResponse startMessageMoveTask(StartMessageMoveTaskRequest r);

    ListMessageMoveTasksResponse listMessageMoveTasks(ListMessageMoveTasksRequest r);

    CancelMessageMoveTaskResponse cancelMessageMoveTask(CancelMessageMoveTaskRequest r);

    @Override
    void close();

    /** An error as the SDK reported it: the (query) error code, HTTP status and message. */
    final class SqsError extends RuntimeException {
        final String code;
        final int status;

        SqsError(String code, int status, String message, Throwable cause) {
            super(code + " (" + status + "): " + message, cause);
            this.code = code;
            this.status = status;
        }

        String errorMessage() {
            return getMessage().substring(getMessage().indexOf("): ") + 3);
        }
    }
}
