package dev.postbox.it;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.*;

import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;

/** AWS SDK for Java v2: the JSON protocol, with its MD5 checksum validation on (the default, set explicitly here). */
final class JsonSdkClient implements SqsClientUnderTest {
    private final SqsClient sqs;

    JsonSdkClient(String endpoint) {
        this(endpoint, "AKIDJSON", "secret");
    }

    JsonSdkClient(String endpoint, String accessKeyId, String secretAccessKey) {
        this(endpoint, accessKeyId, secretAccessKey, "us-east-1");
    }

    /** A client that signs for {@code region}. */
    JsonSdkClient(String endpoint, String accessKeyId, String secretAccessKey, String region) {
        sqs = SqsClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId,
                        secretAccessKey)))
                .checksumValidationEnabled(true)
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(40)).build())
                .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(1))
                        .addExecutionInterceptor(new ExecutionInterceptor() {
                            @Override
                            public void beforeTransmission(Context.BeforeTransmission context,
                                                           ExecutionAttributes attributes) {
                                // Guard: this client exists to exercise the JSON protocol.
                                if (context.httpRequest().firstMatchingHeader("X-Amz-Target").isEmpty()) {
                                    throw new IllegalStateException("SDK v2 did not send a JSON-protocol request");
                                }
                            }
                        }))
                .build();
    }

    @Override
    public String protocol() {
        return "json";
    }

    private static <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (AwsServiceException e) {
            throw new SqsError(e.awsErrorDetails().errorCode(), e.statusCode(), e.awsErrorDetails().errorMessage(), e);
        }
    }

    @Override
    public CreateQueueResponse createQueue(CreateQueueRequest r) {
        return call(() -> sqs.createQueue(r));
    }

    @Override
    public GetQueueUrlResponse getQueueUrl(GetQueueUrlRequest r) {
        return call(() -> sqs.getQueueUrl(r));
    }

    @Override
    public ListQueuesResponse listQueues(ListQueuesRequest r) {
        return call(() -> sqs.listQueues(r));
    }

    @Override
    public void deleteQueue(DeleteQueueRequest r) {
        call(() -> sqs.deleteQueue(r));
    }

    @Override
    public GetQueueAttributesResponse getQueueAttributes(GetQueueAttributesRequest r) {
        return call(() -> sqs.getQueueAttributes(r));
    }

    @Override
    public void setQueueAttributes(SetQueueAttributesRequest r) {
        call(() -> sqs.setQueueAttributes(r));
    }

    @Override
    public void purgeQueue(PurgeQueueRequest r) {
        call(() -> sqs.purgeQueue(r));
    }

    @Override
    public SendMessageResponse sendMessage(SendMessageRequest r) {
        return call(() -> sqs.sendMessage(r));
    }

    @Override
    public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest r) {
        return call(() -> sqs.sendMessageBatch(r));
    }

    @Override
    public ReceiveMessageResponse receiveMessage(ReceiveMessageRequest r) {
        return call(() -> sqs.receiveMessage(r));
    }

    @Override
    public void deleteMessage(DeleteMessageRequest r) {
        call(() -> sqs.deleteMessage(r));
    }

    @Override
    public DeleteMessageBatchResponse deleteMessageBatch(DeleteMessageBatchRequest r) {
        return call(() -> sqs.deleteMessageBatch(r));
    }

    @Override
    public void changeMessageVisibility(ChangeMessageVisibilityRequest r) {
        call(() -> sqs.changeMessageVisibility(r));
    }

    @Override
    public ChangeMessageVisibilityBatchResponse changeMessageVisibilityBatch(ChangeMessageVisibilityBatchRequest r) {
        return call(() -> sqs.changeMessageVisibilityBatch(r));
    }

    @Override
    public void tagQueue(TagQueueRequest r) {
        call(() -> sqs.tagQueue(r));
    }

    @Override
    public void untagQueue(UntagQueueRequest r) {
        call(() -> sqs.untagQueue(r));
    }

    @Override
    public ListQueueTagsResponse listQueueTags(ListQueueTagsRequest r) {
        return call(() -> sqs.listQueueTags(r));
    }

    @Override
    public void addPermission(AddPermissionRequest r) {
        call(() -> sqs.addPermission(r));
    }

    @Override
    public void removePermission(RemovePermissionRequest r) {
        call(() -> sqs.removePermission(r));
    }

    @Override
    public ListDeadLetterSourceQueuesResponse listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest r) {
        return call(() -> sqs.listDeadLetterSourceQueues(r));
    }

    @Override
    public StartMessageMoveTaskResponse startMessageMoveTask(StartMessageMoveTaskRequest r) {
        return call(() -> sqs.startMessageMoveTask(r));
    }

    @Override
    public ListMessageMoveTasksResponse listMessageMoveTasks(ListMessageMoveTasksRequest r) {
        return call(() -> sqs.listMessageMoveTasks(r));
    }

    @Override
    public CancelMessageMoveTaskResponse cancelMessageMoveTask(CancelMessageMoveTaskRequest r) {
        return call(() -> sqs.cancelMessageMoveTask(r));
    }

    @Override
    public void close() {
        sqs.close();
    }
}
