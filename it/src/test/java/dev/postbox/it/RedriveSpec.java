package dev.postbox.it;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The spec for dead-letter queues, redrive policies, message move tasks, permissions and encryption settings. */
abstract class RedriveSpec extends SpecSupport {

    private static String arnOf(String queueUrl) {
        return "arn:aws:sqs:us-east-1:000000000000:" + queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
    }

    private static String redrive(String deadLetterUrl, Object maxReceiveCount) {
        String count = maxReceiveCount instanceof String text ? "\"" + text + "\"" : maxReceiveCount.toString();
        return "{\"deadLetterTargetArn\":\"" + arnOf(deadLetterUrl) + "\",\"maxReceiveCount\":" + count + "}";
    }

    private void setAttributes(String url, Map<String, String> attributes) {
        sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url).attributesWithStrings(attributes)
                .build());
    }

    @Test
    void redrivePolicyIsValidatedAndStoredCanonically() {
        String dlq = createQueue("dlq", Map.of());
        String source = createQueue();
        setAttributes(source, Map.of("RedrivePolicy", redrive(dlq, "3")));
        assertThat(attributes(source, "RedrivePolicy")).containsEntry("RedrivePolicy",
                "{\"deadLetterTargetArn\":\"" + arnOf(dlq) + "\",\"maxReceiveCount\":3}");
        assertSqsError(() -> setAttributes(source, Map.of("RedrivePolicy",
                        "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:nope\",\"maxReceiveCount\":3}")),
                "InvalidParameterValue", 400, "Dead letter target does not exist.");
        assertSqsError(() -> setAttributes(source, Map.of("RedrivePolicy", redrive(dlq, 0))),
                "InvalidParameterValue", 400, "maxReceiveCount");
        assertSqsError(() -> setAttributes(source, Map.of("RedrivePolicy", "{not json")),
                "InvalidParameterValue", 400, "RedrivePolicy");
        String fifoDlq = sqs.createQueue(CreateQueueRequest.builder().queueName(uniqueName("fifo-dlq") + ".fifo")
                .attributesWithStrings(Map.of("FifoQueue", "true")).build()).queueUrl();
        assertSqsError(() -> setAttributes(source, Map.of("RedrivePolicy", redrive(fifoDlq, 3))),
                "InvalidParameterValue", 400, "Dead-letter queue must be same type of queue as the source.");
        setAttributes(source, Map.of("RedrivePolicy", ""));
        assertThat(attributes(source, "All")).doesNotContainKey("RedrivePolicy");
    }

    @Test
    void redriveAllowPolicyDecidesWhoMayUseADeadLetterQueue() {
        String dlq = createQueue("guarded-dlq", Map.of("RedriveAllowPolicy", "{\"redrivePermission\":\"denyAll\"}"));
        String source = createQueue();
        assertSqsError(() -> setAttributes(source, Map.of("RedrivePolicy", redrive(dlq, 2))),
                "InvalidParameterValue", 400, "RedriveAllowPolicy");
        setAttributes(dlq, Map.of("RedriveAllowPolicy", "{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\""
                + arnOf(source) + "\"]}"));
        setAttributes(source, Map.of("RedrivePolicy", redrive(dlq, 2)));
        String other = createQueue();
        assertSqsError(() -> setAttributes(other, Map.of("RedrivePolicy", redrive(dlq, 2))),
                "InvalidParameterValue", 400, "RedriveAllowPolicy");
        assertSqsError(() -> setAttributes(dlq, Map.of("RedriveAllowPolicy", "{\"redrivePermission\":\"byQueue\"}")),
                "InvalidParameterValue", 400, "sourceQueueArns");
    }

    @Test
    void aMessageReceivedMoreThanMaxReceiveCountMovesToTheDeadLetterQueue() {
        String dlq = createQueue("dlq", Map.of());
        String source = createQueue("source", Map.of("RedrivePolicy", redrive(dlq, 2)));
        SendMessageResponse sent = sqs.sendMessage(SendMessageRequest.builder().queueUrl(source).messageBody("poison")
                .messageAttributes(Map.of("k", MessageAttributeValue.builder().dataType("String").stringValue("v")
                        .build())).build());
        long sentAt = clock.instant().toEpochMilli();
        for (int i = 0; i < 2; i++) {
            assertThat(receive(source, 1)).hasSize(1);
            clock.advanceSeconds(30);
        }
        assertThat(receive(source, 1)).as("third receive moves it instead").isEmpty();
        Message moved = receive(dlq, 1).getFirst();
        assertThat(moved.messageId()).isEqualTo(sent.messageId());
        assertThat(moved.body()).isEqualTo("poison");
        assertThat(moved.md5OfMessageAttributes()).isEqualTo(sent.md5OfMessageAttributes());
        assertThat(moved.attributesAsStrings()).containsEntry("DeadLetterQueueSourceArn", arnOf(source))
                .containsEntry("SentTimestamp", Long.toString(sentAt));
        assertThat(attributes(source, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .containsEntry("ApproximateNumberOfMessages", "0").containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
    }

    @Test
    void listDeadLetterSourceQueuesFindsAndPagesTheSources() {
        String dlq = createQueue("sources-dlq", Map.of());
        String first = createQueue("src", Map.of("RedrivePolicy", redrive(dlq, 5)));
        String second = createQueue("src", Map.of("RedrivePolicy", redrive(dlq, 5)));
        createQueue();
        assertThat(sqs.listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest.builder().queueUrl(dlq).build())
                .queueUrls()).containsExactlyInAnyOrder(first, second);
        ListDeadLetterSourceQueuesResponse page = sqs.listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest
                .builder().queueUrl(dlq).maxResults(1).build());
        assertThat(page.queueUrls()).hasSize(1);
        assertThat(page.nextToken()).isNotNull();
        ListDeadLetterSourceQueuesResponse rest = sqs.listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest
                .builder().queueUrl(dlq).maxResults(1).nextToken(page.nextToken()).build());
        assertThat(rest.queueUrls()).hasSize(1).doesNotContainAnyElementsOf(page.queueUrls());
        assertThat(sqs.listDeadLetterSourceQueues(ListDeadLetterSourceQueuesRequest.builder().queueUrl(first).build())
                .queueUrls()).isEmpty();
    }

    private String deadLetterWithMessages(String source, String dlq, int count) {
        for (int i = 0; i < count; i++) {
            send(source, "m" + i);
        }
        assertThat(receive(source, 10)).hasSize(count);
        clock.advanceSeconds(30);
        assertThat(receive(source, 10)).isEmpty();
        return dlq;
    }

    private ListMessageMoveTasksResultEntry awaitTask(String sourceArn, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            List<ListMessageMoveTasksResultEntry> tasks = sqs.listMessageMoveTasks(ListMessageMoveTasksRequest
                    .builder().sourceArn(sourceArn).maxResults(10).build()).results();
            if (!tasks.isEmpty() && tasks.getFirst().status().equals(status)) {
                return tasks.getFirst();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task did not reach " + status + ": " + tasks);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aMoveTaskRedrivesDeadLettersToTheirSource() throws Exception {
        String dlq = createQueue("move-dlq", Map.of());
        String source = createQueue("move-src", Map.of("RedrivePolicy", redrive(dlq, 1)));
        deadLetterWithMessages(source, dlq, 3);
        assertThat(attributes(dlq, "ApproximateNumberOfMessages")).containsEntry("ApproximateNumberOfMessages", "3");
        String handle = sqs.startMessageMoveTask(StartMessageMoveTaskRequest.builder().sourceArn(arnOf(dlq)).build())
                .taskHandle();
        assertThat(handle).isNotEmpty();
        ListMessageMoveTasksResultEntry done = awaitTask(arnOf(dlq), "COMPLETED");
        assertThat(done.approximateNumberOfMessagesMoved()).isEqualTo(3);
        assertThat(done.approximateNumberOfMessagesToMove()).isEqualTo(3);
        assertThat(done.sourceArn()).isEqualTo(arnOf(dlq));
        assertThat(done.taskHandle()).as("only running tasks show a handle").isNull();
        assertThat(done.startedTimestamp()).isEqualTo(clock.instant().toEpochMilli());
        List<Message> back = receive(source, 10);
        assertThat(back).extracting(Message::body).containsExactlyInAnyOrder("m0", "m1", "m2");
        assertThat(back).allSatisfy(m -> assertThat(m.attributesAsStrings())
                .containsEntry("ApproximateReceiveCount", "1").doesNotContainKey("DeadLetterQueueSourceArn"));
    }

    @Test
    void aMoveTaskCanTargetADestinationBeRateLimitedAndCancelled() throws Exception {
        String dlq = createQueue("rate-dlq", Map.of());
        String source = createQueue("rate-src", Map.of("RedrivePolicy", redrive(dlq, 1)));
        String destination = createQueue("rate-dest", Map.of());
        deadLetterWithMessages(source, dlq, 10);
        String handle = sqs.startMessageMoveTask(StartMessageMoveTaskRequest.builder().sourceArn(arnOf(dlq))
                .destinationArn(arnOf(destination)).maxNumberOfMessagesPerSecond(2).build()).taskHandle();
        assertSqsError(() -> sqs.startMessageMoveTask(StartMessageMoveTaskRequest.builder().sourceArn(arnOf(dlq))
                        .build()), "InvalidParameterValue", 400, "There is already a task running.");
        ListMessageMoveTasksResultEntry running = sqs.listMessageMoveTasks(ListMessageMoveTasksRequest.builder()
                .sourceArn(arnOf(dlq)).build()).results().getFirst();
        assertThat(running.status()).isEqualTo("RUNNING");
        assertThat(running.taskHandle()).isEqualTo(handle);
        assertThat(running.destinationArn()).isEqualTo(arnOf(destination));
        assertThat(running.maxNumberOfMessagesPerSecond()).isEqualTo(2);
        long moved = sqs.cancelMessageMoveTask(CancelMessageMoveTaskRequest.builder().taskHandle(handle).build())
                .approximateNumberOfMessagesMoved();
        assertThat(moved).isLessThan(10);
        ListMessageMoveTasksResultEntry cancelled = awaitTask(arnOf(dlq), "CANCELLED");
        assertThat(cancelled.approximateNumberOfMessagesMoved()).isLessThan(10);
        int arrived = receive(destination, 10).size();
        assertThat(arrived).isEqualTo(cancelled.approximateNumberOfMessagesMoved().intValue());
        assertThat(receive(source, 10)).isEmpty();
    }

    @Test
    void moveTaskErrors() {
        String plain = createQueue();
        assertSqsError(() -> sqs.startMessageMoveTask(StartMessageMoveTaskRequest.builder().sourceArn(arnOf(plain))
                .build()), "InvalidParameterValue", 400, "Source queue must be configured as a Dead Letter Queue.");
        assertSqsError(() -> sqs.startMessageMoveTask(StartMessageMoveTaskRequest.builder()
                        .sourceArn("arn:aws:sqs:us-east-1:000000000000:missing").build()),
                "ResourceNotFoundException", 404, "The resource that you specified for the SourceArn parameter doesn't exist.");
        assertSqsError(() -> sqs.listMessageMoveTasks(ListMessageMoveTasksRequest.builder()
                        .sourceArn("arn:aws:sqs:us-east-1:000000000000:missing").build()),
                "ResourceNotFoundException", 404, "SourceArn");
        assertSqsError(() -> sqs.cancelMessageMoveTask(CancelMessageMoveTaskRequest.builder().taskHandle("garbage")
                .build()), "InvalidParameterValue", 400, "Value for parameter TaskHandle is invalid.");
        assertThat(sqs.listMessageMoveTasks(ListMessageMoveTasksRequest.builder().sourceArn(arnOf(plain)).build())
                .results()).isEmpty();
    }

    @Test
    void permissionsEditThePolicyDocument() {
        String url = createQueue();
        sqs.addPermission(AddPermissionRequest.builder().queueUrl(url).label("cross-account")
                .awsAccountIds("111122223333").actions("SendMessage").build());
        String policy = attributes(url, "Policy").get("Policy");
        assertThat(policy).contains("\"Sid\":\"cross-account\"").contains("\"Effect\":\"Allow\"")
                .contains("\"AWS\":\"arn:aws:iam::111122223333:root\"").contains("\"Action\":\"SQS:SendMessage\"")
                .contains("\"Resource\":\"" + arnOf(url) + "\"");
        sqs.addPermission(AddPermissionRequest.builder().queueUrl(url).label("second")
                .awsAccountIds("111122223333", "444455556666").actions("ReceiveMessage", "DeleteMessage").build());
        assertThat(attributes(url, "Policy").get("Policy")).contains("\"Sid\":\"second\"")
                .contains("[\"SQS:ReceiveMessage\",\"SQS:DeleteMessage\"]");
        assertSqsError(() -> sqs.addPermission(AddPermissionRequest.builder().queueUrl(url).label("second")
                        .awsAccountIds("111122223333").actions("SendMessage").build()), "InvalidParameterValue", 400,
                "Value second for parameter Label is invalid. Reason: Already exists.");
        assertSqsError(() -> sqs.addPermission(AddPermissionRequest.builder().queueUrl(url).label("bad")
                        .awsAccountIds("111122223333").actions("Explode").build()), "InvalidParameterValue", 400,
                "Value SQS:Explode for parameter ActionName is invalid.");
        sqs.removePermission(RemovePermissionRequest.builder().queueUrl(url).label("cross-account").build());
        sqs.removePermission(RemovePermissionRequest.builder().queueUrl(url).label("second").build());
        assertThat(attributes(url, "All")).doesNotContainKey("Policy");
        assertSqsError(() -> sqs.removePermission(RemovePermissionRequest.builder().queueUrl(url).label("second")
                .build()), "InvalidParameterValue", 400, "Reason: can't find label.");
    }

    @Test
    void policyAndEncryptionAttributesAreValidatedAndReturned() {
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\","
                + "\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}";
        String url = createQueue("policy", Map.of("Policy", policy));
        assertThat(attributes(url, "Policy")).containsEntry("Policy", policy);
        assertSqsError(() -> setAttributes(url, Map.of("Policy", "{not json")), "InvalidAttributeValue", 400,
                "Invalid value for the parameter Policy.");
        setAttributes(url, Map.of("KmsMasterKeyId", "alias/aws/sqs"));
        assertThat(attributes(url, "All")).containsEntry("KmsMasterKeyId", "alias/aws/sqs")
                .containsEntry("KmsDataKeyReusePeriodSeconds", "300").containsEntry("SqsManagedSseEnabled", "false");
        setAttributes(url, Map.of("SqsManagedSseEnabled", "true"));
        assertThat(attributes(url, "All")).containsEntry("SqsManagedSseEnabled", "true")
                .doesNotContainKeys("KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds");
        assertSqsError(() -> setAttributes(url, Map.of("KmsDataKeyReusePeriodSeconds", "59")),
                "InvalidAttributeValue", 400, "KmsDataKeyReusePeriodSeconds");
        assertSqsError(() -> createQueue("both-sse", Map.of("SqsManagedSseEnabled", "true",
                "KmsMasterKeyId", "alias/aws/sqs")), "InvalidAttributeValue", 400, "SqsManagedSseEnabled");
    }
}
