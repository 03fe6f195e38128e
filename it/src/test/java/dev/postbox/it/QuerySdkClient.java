package dev.postbox.it;

import com.amazonaws.AmazonServiceException;
import com.amazonaws.ClientConfiguration;
import com.amazonaws.Request;
import com.amazonaws.handlers.RequestHandler2;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.sqs.AmazonSQS;
import com.amazonaws.services.sqs.AmazonSQSClientBuilder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.*;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * AWS SDK for Java v1: the query protocol (form-encoded requests, XML responses), with its MD5 checksum handler on
 * (the default). Converts the spec's v2 model objects to v1 requests and v1 results back.
 */
final class QuerySdkClient implements SqsClientUnderTest {
    private final AmazonSQS sqs;

    QuerySdkClient(String endpoint) {
        this(endpoint, "AKIDQUERY", "secret");
    }

    QuerySdkClient(String endpoint, String accessKeyId, String secretAccessKey) {
        this(endpoint, accessKeyId, secretAccessKey, "us-east-1");
    }

    /**
     * A client that signs for {@code region}. SDK v1 sends a request to its queue URL's host: names under
     * {@code localhost} (the host-style URLs {@code sqs.<region>.localhost}) resolve to the loopback address.
     */
    QuerySdkClient(String endpoint, String accessKeyId, String secretAccessKey, String region) {
        sqs = AmazonSQSClientBuilder.standard()
                .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint, region))
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(accessKeyId, secretAccessKey)))
                .withClientConfiguration(new ClientConfiguration().withMaxErrorRetry(0).withSocketTimeout(40_000)
                        .withDnsResolver(host -> host.endsWith(".localhost")
                                ? new java.net.InetAddress[]{java.net.InetAddress.getLoopbackAddress()}
                                : new com.amazonaws.SystemDefaultDnsResolver().resolve(host)))
                .withRequestHandlers(new RequestHandler2() {
                    @Override
                    public void beforeRequest(Request<?> request) {
                        // Guard: this client exists to exercise the query protocol.
                        if (request.getHeaders().containsKey("X-Amz-Target") || !request.getParameters().containsKey("Action")) {
                            throw new IllegalStateException("SDK v1 did not send a query-protocol request");
                        }
                    }
                })
                .build();
    }

    @Override
    public String protocol() {
        return "query";
    }

    private static <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (AmazonServiceException e) {
            throw new SqsError(e.getErrorCode(), e.getStatusCode(), e.getErrorMessage(), e);
        }
    }

    @Override
    public CreateQueueResponse createQueue(CreateQueueRequest r) {
        var request = new com.amazonaws.services.sqs.model.CreateQueueRequest(r.queueName());
        if (r.hasAttributes()) {
            request.setAttributes(r.attributesAsStrings());
        }
        if (r.hasTags()) {
            request.setTags(r.tags());
        }
        return CreateQueueResponse.builder().queueUrl(call(() -> sqs.createQueue(request)).getQueueUrl()).build();
    }

    @Override
    public GetQueueUrlResponse getQueueUrl(GetQueueUrlRequest r) {
        var request = new com.amazonaws.services.sqs.model.GetQueueUrlRequest(r.queueName())
                .withQueueOwnerAWSAccountId(r.queueOwnerAWSAccountId());
        return GetQueueUrlResponse.builder().queueUrl(call(() -> sqs.getQueueUrl(request)).getQueueUrl()).build();
    }

    @Override
    public ListQueuesResponse listQueues(ListQueuesRequest r) {
        var request = new com.amazonaws.services.sqs.model.ListQueuesRequest(r.queueNamePrefix())
                .withMaxResults(r.maxResults()).withNextToken(r.nextToken());
        var result = call(() -> sqs.listQueues(request));
        return ListQueuesResponse.builder().queueUrls(result.getQueueUrls()).nextToken(result.getNextToken()).build();
    }

    @Override
    public void deleteQueue(DeleteQueueRequest r) {
        call(() -> sqs.deleteQueue(r.queueUrl()));
    }

    @Override
    public GetQueueAttributesResponse getQueueAttributes(GetQueueAttributesRequest r) {
        var request = new com.amazonaws.services.sqs.model.GetQueueAttributesRequest(r.queueUrl(),
                r.attributeNamesAsStrings());
        return GetQueueAttributesResponse.builder()
                .attributesWithStrings(call(() -> sqs.getQueueAttributes(request)).getAttributes()).build();
    }

    @Override
    public void setQueueAttributes(SetQueueAttributesRequest r) {
        call(() -> sqs.setQueueAttributes(r.queueUrl(), r.attributesAsStrings()));
    }

    @Override
    public void purgeQueue(PurgeQueueRequest r) {
        call(() -> sqs.purgeQueue(new com.amazonaws.services.sqs.model.PurgeQueueRequest(r.queueUrl())));
    }

    @Override
    public SendMessageResponse sendMessage(SendMessageRequest r) {
        var request = new com.amazonaws.services.sqs.model.SendMessageRequest(r.queueUrl(), r.messageBody())
                .withDelaySeconds(r.delaySeconds()).withMessageGroupId(r.messageGroupId())
                .withMessageDeduplicationId(r.messageDeduplicationId());
        if (r.hasMessageAttributes()) {
            request.setMessageAttributes(toV1(r.messageAttributes()));
        }
        if (r.hasMessageSystemAttributes()) {
            request.setMessageSystemAttributes(systemToV1(r.messageSystemAttributesAsStrings()));
        }
        copyHeaders(r, request);
        var result = call(() -> sqs.sendMessage(request));
        return SendMessageResponse.builder().messageId(result.getMessageId())
                .md5OfMessageBody(result.getMD5OfMessageBody())
                .md5OfMessageAttributes(result.getMD5OfMessageAttributes())
                .md5OfMessageSystemAttributes(result.getMD5OfMessageSystemAttributes())
                .sequenceNumber(result.getSequenceNumber()).build();
    }

    /** Headers a spec adds to a v2 request (e.g. X-Amzn-Trace-Id) go on the v1 request too. */
    private static void copyHeaders(software.amazon.awssdk.awscore.AwsRequest v2,
                                    com.amazonaws.AmazonWebServiceRequest v1) {
        v2.overrideConfiguration().ifPresent(o -> o.headers().forEach((name, values) ->
                v1.putCustomRequestHeader(name, String.join(",", values))));
    }

    @Override
    public SendMessageBatchResponse sendMessageBatch(SendMessageBatchRequest r) {
        var entries = r.entries().stream().map(e -> {
            var entry = new com.amazonaws.services.sqs.model.SendMessageBatchRequestEntry(e.id(), e.messageBody())
                    .withDelaySeconds(e.delaySeconds()).withMessageGroupId(e.messageGroupId())
                    .withMessageDeduplicationId(e.messageDeduplicationId());
            if (e.hasMessageAttributes()) {
                entry.setMessageAttributes(toV1(e.messageAttributes()));
            }
            return entry;
        }).toList();
        var request = new com.amazonaws.services.sqs.model.SendMessageBatchRequest(r.queueUrl(), entries);
        copyHeaders(r, request);
        var result = call(() -> sqs.sendMessageBatch(request));
        return SendMessageBatchResponse.builder()
                .successful(result.getSuccessful().stream().map(s -> SendMessageBatchResultEntry.builder()
                        .id(s.getId()).messageId(s.getMessageId()).md5OfMessageBody(s.getMD5OfMessageBody())
                        .md5OfMessageAttributes(s.getMD5OfMessageAttributes())
                        .sequenceNumber(s.getSequenceNumber()).build()).toList())
                .failed(failed(result.getFailed())).build();
    }

    @Override
    public ReceiveMessageResponse receiveMessage(ReceiveMessageRequest r) {
        var request = new com.amazonaws.services.sqs.model.ReceiveMessageRequest(r.queueUrl())
                .withMaxNumberOfMessages(r.maxNumberOfMessages()).withVisibilityTimeout(r.visibilityTimeout())
                .withWaitTimeSeconds(r.waitTimeSeconds()).withReceiveRequestAttemptId(r.receiveRequestAttemptId());
        List<String> systemNames = new java.util.ArrayList<>(r.attributeNamesAsStrings());
        systemNames.addAll(r.messageSystemAttributeNamesAsStrings());
        if (!systemNames.isEmpty()) {
            request.setAttributeNames(systemNames);
        }
        if (r.hasMessageAttributeNames()) {
            request.setMessageAttributeNames(r.messageAttributeNames());
        }
        var result = call(() -> sqs.receiveMessage(request));
        return ReceiveMessageResponse.builder().messages(result.getMessages().stream().map(m -> Message.builder()
                .messageId(m.getMessageId()).receiptHandle(m.getReceiptHandle()).md5OfBody(m.getMD5OfBody())
                .body(m.getBody()).attributesWithStrings(m.getAttributes())
                .md5OfMessageAttributes(m.getMD5OfMessageAttributes())
                .messageAttributes(fromV1(m.getMessageAttributes())).build()).toList()).build();
    }

    @Override
    public void deleteMessage(DeleteMessageRequest r) {
        call(() -> sqs.deleteMessage(r.queueUrl(), r.receiptHandle()));
    }

    @Override
    public DeleteMessageBatchResponse deleteMessageBatch(DeleteMessageBatchRequest r) {
        var entries = r.entries().stream().map(e ->
                new com.amazonaws.services.sqs.model.DeleteMessageBatchRequestEntry(e.id(), e.receiptHandle())).toList();
        var result = call(() -> sqs.deleteMessageBatch(r.queueUrl(), entries));
        return DeleteMessageBatchResponse.builder()
                .successful(result.getSuccessful().stream().map(s -> DeleteMessageBatchResultEntry.builder()
                        .id(s.getId()).build()).toList())
                .failed(failed(result.getFailed())).build();
    }

    @Override
    public void changeMessageVisibility(ChangeMessageVisibilityRequest r) {
        call(() -> sqs.changeMessageVisibility(r.queueUrl(), r.receiptHandle(), r.visibilityTimeout()));
    }

    @Override
    public ChangeMessageVisibilityBatchResponse changeMessageVisibilityBatch(ChangeMessageVisibilityBatchRequest r) {
        var entries = r.entries().stream().map(e ->
                new com.amazonaws.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry(e.id(), e.receiptHandle())
                        .withVisibilityTimeout(e.visibilityTimeout())).toList();
        var result = call(() -> sqs.changeMessageVisibilityBatch(r.queueUrl(), entries));
        return ChangeMessageVisibilityBatchResponse.builder()
                .successful(result.getSuccessful().stream().map(s -> ChangeMessageVisibilityBatchResultEntry.builder()
                        .id(s.getId()).build()).toList())
                .failed(failed(result.getFailed())).build();
    }

    @Override
    public void tagQueue(TagQueueRequest r) {
        call(() -> sqs.tagQueue(r.queueUrl(), r.tags()));
    }

    @Override
    public void untagQueue(UntagQueueRequest r) {
        call(() -> sqs.untagQueue(r.queueUrl(), r.tagKeys()));
    }

    @Override
    public ListQueueTagsResponse listQueueTags(ListQueueTagsRequest r) {
        return ListQueueTagsResponse.builder().tags(call(() -> sqs.listQueueTags(r.queueUrl())).getTags()).build();
    }

    @Override
    public void addPermission(AddPermissionRequest r) {
        call(() -> sqs.addPermission(r.queueUrl(), r.label(), r.awsAccountIds(), r.actions()));
    }

    @Override
    public void removePermission(RemovePermissionRequest r) {
        call(() -> sqs.removePermission(r.queueUrl(), r.label()));
    }

    @Override
    public ListDeadLetterSourceQueuesResponse listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest r) {
        var result = call(() -> sqs.listDeadLetterSourceQueues(
                new com.amazonaws.services.sqs.model.ListDeadLetterSourceQueuesRequest().withQueueUrl(r.queueUrl())
                        .withMaxResults(r.maxResults()).withNextToken(r.nextToken())));
        return ListDeadLetterSourceQueuesResponse.builder().queueUrls(result.getQueueUrls())
                .nextToken(result.getNextToken()).build();
    }

    @Override
    public StartMessageMoveTaskResponse startMessageMoveTask(StartMessageMoveTaskRequest r) {
        var result = call(() -> sqs.startMessageMoveTask(new com.amazonaws.services.sqs.model.StartMessageMoveTaskRequest()
                .withSourceArn(r.sourceArn()).withDestinationArn(r.destinationArn())
                .withMaxNumberOfMessagesPerSecond(r.maxNumberOfMessagesPerSecond())));
        return StartMessageMoveTaskResponse.builder().taskHandle(result.getTaskHandle()).build();
    }

    @Override
    public ListMessageMoveTasksResponse listMessageMoveTasks(ListMessageMoveTasksRequest r) {
        var result = call(() -> sqs.listMessageMoveTasks(new com.amazonaws.services.sqs.model.ListMessageMoveTasksRequest()
                .withSourceArn(r.sourceArn()).withMaxResults(r.maxResults())));
        return ListMessageMoveTasksResponse.builder().results(result.getResults().stream().map(e ->
                ListMessageMoveTasksResultEntry.builder().taskHandle(e.getTaskHandle()).status(e.getStatus())
                        .sourceArn(e.getSourceArn()).destinationArn(e.getDestinationArn())
                        .maxNumberOfMessagesPerSecond(e.getMaxNumberOfMessagesPerSecond())
                        .approximateNumberOfMessagesMoved(e.getApproximateNumberOfMessagesMoved())
                        .approximateNumberOfMessagesToMove(e.getApproximateNumberOfMessagesToMove())
                        .failureReason(e.getFailureReason()).startedTimestamp(e.getStartedTimestamp()).build())
                .toList()).build();
    }

    @Override
    public CancelMessageMoveTaskResponse cancelMessageMoveTask(CancelMessageMoveTaskRequest r) {
        var result = call(() -> sqs.cancelMessageMoveTask(
                new com.amazonaws.services.sqs.model.CancelMessageMoveTaskRequest().withTaskHandle(r.taskHandle())));
        return CancelMessageMoveTaskResponse.builder()
                .approximateNumberOfMessagesMoved(result.getApproximateNumberOfMessagesMoved()).build();
    }

    @Override
    public void close() {
        sqs.shutdown();
    }

    private static List<BatchResultErrorEntry> failed(List<com.amazonaws.services.sqs.model.BatchResultErrorEntry> f) {
        return f.stream().map(e -> BatchResultErrorEntry.builder().id(e.getId()).senderFault(e.getSenderFault())
                .code(e.getCode()).message(e.getMessage()).build()).toList();
    }

    private static Map<String, com.amazonaws.services.sqs.model.MessageAttributeValue> toV1(
            Map<String, MessageAttributeValue> attributes) {
        Map<String, com.amazonaws.services.sqs.model.MessageAttributeValue> result = new LinkedHashMap<>();
        attributes.forEach((name, v) -> result.put(name, new com.amazonaws.services.sqs.model.MessageAttributeValue()
                .withDataType(v.dataType()).withStringValue(v.stringValue())
                .withBinaryValue(v.binaryValue() == null ? null : v.binaryValue().asByteBuffer())));
        return result;
    }

    private static Map<String, com.amazonaws.services.sqs.model.MessageSystemAttributeValue> systemToV1(
            Map<String, MessageSystemAttributeValue> attributes) {
        Map<String, com.amazonaws.services.sqs.model.MessageSystemAttributeValue> result = new LinkedHashMap<>();
        attributes.forEach((name, v) -> result.put(name,
                new com.amazonaws.services.sqs.model.MessageSystemAttributeValue()
                        .withDataType(v.dataType()).withStringValue(v.stringValue())));
        return result;
    }

    private static Map<String, MessageAttributeValue> fromV1(
            Map<String, com.amazonaws.services.sqs.model.MessageAttributeValue> attributes) {
        Map<String, MessageAttributeValue> result = new HashMap<>();
        attributes.forEach((name, v) -> {
            ByteBuffer binary = v.getBinaryValue();
            result.put(name, MessageAttributeValue.builder().dataType(v.getDataType()).stringValue(v.getStringValue())
                    .binaryValue(binary == null ? null : SdkBytes.fromByteBuffer(binary)).build());
        });
        return result;
    }
}
