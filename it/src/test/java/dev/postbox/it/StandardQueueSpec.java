package dev.postbox.it;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.*;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The spec for standard queues: every operation of the core issue, its semantics and its errors. */
abstract class StandardQueueSpec extends SpecSupport {
    // ---- queues ------------------------------------------------------------------------------------------------

    @Test
    void createQueueReturnsARoutableUrlAndIsIdempotent() {
        String name = uniqueName("create");
        String url = sqs.createQueue(CreateQueueRequest.builder().queueName(name)
                .attributesWithStrings(Map.of("VisibilityTimeout", "45")).build()).queueUrl();
        assertThat(url).isEqualTo(server.endpoint() + "/queue/us-east-1/000000000000/" + name);
        assertThat(sqs.createQueue(CreateQueueRequest.builder().queueName(name)
                .attributesWithStrings(Map.of("VisibilityTimeout", "45")).build()).queueUrl()).isEqualTo(url);
        assertThat(sqs.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl()).isEqualTo(url);
        assertSqsError(() -> sqs.createQueue(CreateQueueRequest.builder().queueName(name)
                        .attributesWithStrings(Map.of("VisibilityTimeout", "46")).build()),
                "QueueAlreadyExists", 400,
                "A queue already exists with the same name and a different value for attribute VisibilityTimeout");
        assertThat(sqs.getQueueUrl(GetQueueUrlRequest.builder().queueName(name).build()).queueUrl()).isEqualTo(url);
    }

    @Test
    void createQueueValidatesNameAndAttributes() {
        assertSqsError(() -> sqs.createQueue(CreateQueueRequest.builder().queueName("bad name!").build()),
                "InvalidParameterValue", 400, "Can only include alphanumeric characters, hyphens, or underscores");
        assertSqsError(() -> sqs.createQueue(CreateQueueRequest.builder().queueName("x".repeat(81)).build()),
                "InvalidParameterValue", 400, "1 to 80 in length");
        assertSqsError(() -> createQueue("attr", Map.of("VisibilityTimeout", "43201")),
                "InvalidAttributeValue", 400, "VisibilityTimeout");
        assertSqsError(() -> createQueue("attr", Map.of("Foobar", "1")),
                "InvalidAttributeName", 400, "Unknown Attribute Foobar.");
        assertSqsError(() -> createQueue("attr", Map.of("QueueArn", "x")),
                "InvalidAttributeName", 400, "Unknown Attribute QueueArn.");
        assertSqsError(() -> createQueue("attr", Map.of("FifoQueue", "false")),
                "InvalidAttributeName", 400, "Unknown Attribute FifoQueue.");
        assertSqsError(() -> createQueue("attr", Map.of("DeduplicationScope", "queue")),
                "InvalidAttributeName", 400, "You can specify the DeduplicationScope only when FifoQueue is set to true.");
    }

    @Test
    void deletedQueueIsGoneAndItsNameBlockedForSixtySeconds() {
        String name = uniqueName("deleted");
        String url = sqs.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
        sqs.deleteQueue(DeleteQueueRequest.builder().queueUrl(url).build());
        assertSqsError(() -> send(url, "x"), "AWS.SimpleQueueService.NonExistentQueue", 400,
                "The specified queue does not exist");
        assertSqsError(() -> sqs.getQueueUrl(GetQueueUrlRequest.builder().queueName(name).build()),
                "AWS.SimpleQueueService.NonExistentQueue", 400, "The specified queue does not exist");
        assertSqsError(() -> sqs.deleteQueue(DeleteQueueRequest.builder().queueUrl(url).build()),
                "AWS.SimpleQueueService.NonExistentQueue", 400, "does not exist");
        assertSqsError(() -> sqs.createQueue(CreateQueueRequest.builder().queueName(name).build()),
                "AWS.SimpleQueueService.QueueDeletedRecently", 400, "wait 60 seconds");
        clock.advanceSeconds(61);
        assertThat(sqs.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl()).isEqualTo(url);
    }

    @Test
    void listQueuesFiltersByPrefixAndPages() {
        String prefix = uniqueName("list");
        for (int i = 0; i < 5; i++) {
            sqs.createQueue(CreateQueueRequest.builder().queueName(prefix + "-" + i).build());
        }
        List<String> all = sqs.listQueues(ListQueuesRequest.builder().queueNamePrefix(prefix).build()).queueUrls();
        assertThat(all).hasSize(5).allSatisfy(url -> assertThat(url).contains("/000000000000/" + prefix));
        ListQueuesResponse first = sqs.listQueues(ListQueuesRequest.builder().queueNamePrefix(prefix).maxResults(2)
                .build());
        assertThat(first.queueUrls()).hasSize(2);
        assertThat(first.nextToken()).isNotNull();
        ListQueuesResponse second = sqs.listQueues(ListQueuesRequest.builder().queueNamePrefix(prefix).maxResults(2)
                .nextToken(first.nextToken()).build());
        ListQueuesResponse third = sqs.listQueues(ListQueuesRequest.builder().queueNamePrefix(prefix).maxResults(2)
                .nextToken(second.nextToken()).build());
        assertThat(third.queueUrls()).hasSize(1);
        assertThat(third.nextToken()).isNull();
        assertThat(List.of(first.queueUrls(), second.queueUrls(), third.queueUrls()).stream().flatMap(List::stream))
                .containsExactlyElementsOf(all);
        assertSqsError(() -> sqs.listQueues(ListQueuesRequest.builder().maxResults(1001).build()),
                "InvalidParameterValue", 400, "MaxResults");
        assertThat(sqs.listQueues(ListQueuesRequest.builder().queueNamePrefix("no-such-prefix").build()).queueUrls())
                .isEmpty();
    }

    @Test
    void getQueueAttributesReturnsDefaultsAndCounters() {
        String url = createQueue();
        send(url, "a");
        send(url, "b");
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("later").delaySeconds(10).build());
        receive(url, 1);
        Map<String, String> all = attributes(url, "All");
        assertThat(all).containsEntry("VisibilityTimeout", "30").containsEntry("DelaySeconds", "0")
                .containsEntry("MaximumMessageSize", "1048576").containsEntry("MessageRetentionPeriod", "345600")
                .containsEntry("ReceiveMessageWaitTimeSeconds", "0").containsEntry("SqsManagedSseEnabled", "true")
                .containsEntry("ApproximateNumberOfMessages", "1")
                .containsEntry("ApproximateNumberOfMessagesNotVisible", "1")
                .containsEntry("ApproximateNumberOfMessagesDelayed", "1")
                .containsEntry("QueueArn", "arn:aws:sqs:us-east-1:000000000000:" + url.substring(url.lastIndexOf('/') + 1))
                .containsKeys("CreatedTimestamp", "LastModifiedTimestamp")
                .doesNotContainKeys("FifoQueue", "RedrivePolicy", "Policy");
        assertThat(attributes(url, "DelaySeconds")).containsOnlyKeys("DelaySeconds");
        assertSqsError(() -> attributes(url, "Nope"), "InvalidAttributeName", 400, "Unknown Attribute Nope.");
    }

    @Test
    void setQueueAttributesChangesBehaviourAndModifiedTime() {
        String url = createQueue();
        clock.advanceSeconds(5);
        sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                .attributesWithStrings(Map.of("VisibilityTimeout", "5", "DelaySeconds", "2")).build());
        Map<String, String> after = attributes(url, "All");
        assertThat(after).containsEntry("VisibilityTimeout", "5").containsEntry("DelaySeconds", "2");
        assertThat(Long.parseLong(after.get("LastModifiedTimestamp")))
                .isEqualTo(Long.parseLong(after.get("CreatedTimestamp")) + 5);
        send(url, "delayed by the queue");
        assertThat(receive(url, 1)).isEmpty();
        clock.advanceSeconds(2);
        assertThat(receive(url, 1)).hasSize(1);
        assertSqsError(() -> sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                        .attributesWithStrings(Map.of("MessageRetentionPeriod", "59")).build()),
                "InvalidAttributeValue", 400, "MessageRetentionPeriod");
        assertSqsError(() -> sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                        .attributesWithStrings(Map.of("ApproximateNumberOfMessages", "3")).build()),
                "InvalidAttributeName", 400, "Unknown Attribute ApproximateNumberOfMessages.");
    }

    // ---- sending and receiving ---------------------------------------------------------------------------------

    @Test
    void sendReceiveDeleteRoundTripWithAttributesVerifiedBySdkDigests() throws Exception {
        String url = createQueue();
        String body = "line one\r\nline two & <three> \"quoted\" héllo ✓ \uD83D\uDE00";
        Map<String, MessageAttributeValue> attributes = Map.of(
                "text", MessageAttributeValue.builder().dataType("String").stringValue("a\rb").build(),
                "count", MessageAttributeValue.builder().dataType("Number").stringValue("42").build(),
                "price", MessageAttributeValue.builder().dataType("Number.float").stringValue("1.50").build(),
                "blob", MessageAttributeValue.builder().dataType("Binary")
                        .binaryValue(SdkBytes.fromByteArray(new byte[]{0, 1, 2, (byte) 255})).build(),
                "json", MessageAttributeValue.builder().dataType("String.json").stringValue("{\"k\":1}").build());
        SendMessageResponse sent = sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody(body)
                .messageAttributes(attributes).build());
        assertThat(sent.md5OfMessageBody()).isEqualTo(md5Hex(body));
        assertThat(sent.md5OfMessageAttributes()).isNotNull();
        assertThat(sent.messageId()).matches("[0-9a-f-]{36}");

        Message received = receive(url, 10).getFirst();
        assertThat(received.body()).isEqualTo(body);
        assertThat(received.messageId()).isEqualTo(sent.messageId());
        assertThat(received.md5OfBody()).isEqualTo(md5Hex(body));
        assertThat(received.md5OfMessageAttributes()).isEqualTo(sent.md5OfMessageAttributes());
        assertThat(received.messageAttributes()).isEqualTo(attributes);
        assertThat(received.attributesAsStrings()).containsKeys("SenderId", "SentTimestamp",
                "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp")
                .containsEntry("ApproximateReceiveCount", "1")
                .containsEntry("SentTimestamp", Long.toString(clock.instant().toEpochMilli()));

        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(received.receiptHandle()).build());
        clock.advanceSeconds(31);
        assertThat(receive(url, 10)).isEmpty();
        assertThat(attributes(url, "ApproximateNumberOfMessagesNotVisible"))
                .containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
    }

    @Test
    void receiveFiltersMessageAttributesAndDigestsTheReturnedSubset() {
        String url = createQueue();
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m").messageAttributes(Map.of(
                "trace.id", MessageAttributeValue.builder().dataType("String").stringValue("t1").build(),
                "trace.span", MessageAttributeValue.builder().dataType("String").stringValue("s1").build(),
                "other", MessageAttributeValue.builder().dataType("Number").stringValue("7").build())).build());
        Message message = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url)
                .messageAttributeNames("trace.*").visibilityTimeout(0).build()).messages().getFirst();
        assertThat(message.messageAttributes()).containsOnlyKeys("trace.id", "trace.span");
        Message exact = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url)
                .messageAttributeNames("other", "missing").visibilityTimeout(0).build()).messages().getFirst();
        assertThat(exact.messageAttributes()).containsOnlyKeys("other");
        Message none = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).build()).messages().getFirst();
        assertThat(none.messageAttributes()).isEmpty();
        assertThat(none.md5OfMessageAttributes()).isNull();
        assertThat(none.attributes()).isEmpty();
    }

    @Test
    void aPrefixFilterReturnsEveryNameStartingWithThePrefix() {
        String url = createQueue();
        MessageAttributeValue value = MessageAttributeValue.builder().dataType("String").stringValue("v").build();
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m").messageAttributes(Map.of(
                "Hello", value, "Help.Me", value, "Other", value)).build());
        Message message = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url)
                .messageAttributeNames("Hel.*").build()).messages().getFirst();
        assertThat(message.messageAttributes()).containsOnlyKeys("Hello", "Help.Me");
    }

    @Test
    void attributeNamesMayHoldNonAsciiLetters() {
        String url = createQueue();
        Map<String, MessageAttributeValue> attributes = Map.of(
                "attr.1øßä", MessageAttributeValue.builder().dataType("String").stringValue("ü").build(),
                "Größe", MessageAttributeValue.builder().dataType("Number").stringValue("3").build());
        SendMessageResponse sent = sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m")
                .messageAttributes(attributes).build());
        Message received = receive(url, 1).getFirst();
        assertThat(received.messageAttributes()).isEqualTo(attributes);
        assertThat(received.md5OfMessageAttributes()).isEqualTo(sent.md5OfMessageAttributes());
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m")
                        .messageAttributes(Map.of("no space", attributes.get("attr.1øßä"))).build()),
                "InvalidParameterValue", 400, "Message (user) attribute name 'no space' is invalid.");
    }

    @Test
    void awsTraceHeaderIsASystemAttribute() {
        String url = createQueue();
        String trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        SendMessageResponse sent = sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("traced")
                .messageSystemAttributesWithStrings(Map.of("AWSTraceHeader", MessageSystemAttributeValue.builder()
                        .dataType("String").stringValue(trace).build())).build());
        assertThat(sent.md5OfMessageSystemAttributes()).isEqualTo("5ae4d5d7636402d80f4eb6d213245a88");
        Message message = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url)
                .messageSystemAttributeNamesWithStrings("AWSTraceHeader").build()).messages().getFirst();
        assertThat(message.attributesAsStrings()).containsExactly(Map.entry("AWSTraceHeader", trace));
    }

    @Test
    void anXRayTraceHeaderOnTheRequestBecomesTheMessagesAwsTraceHeader() {
        String url = createQueue();
        String fromHeader = "Root=1-67891233-abcdef012345678912345678;Parent=463ac35c9f6413ad;Sampled=1";
        String explicit = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        SendMessageResponse sent = sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("header")
                .overrideConfiguration(o -> o.putHeader("X-Amzn-Trace-Id", fromHeader)).build());
        assertThat(sent.md5OfMessageSystemAttributes()).as("the request carried no system attribute").isNull();
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("explicit")
                .overrideConfiguration(o -> o.putHeader("X-Amzn-Trace-Id", fromHeader))
                .messageSystemAttributesWithStrings(Map.of("AWSTraceHeader", MessageSystemAttributeValue.builder()
                        .dataType("String").stringValue(explicit).build())).build());
        sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url)
                .overrideConfiguration(o -> o.putHeader("X-Amzn-Trace-Id", fromHeader))
                .entries(SendMessageBatchRequestEntry.builder().id("b").messageBody("batch").build()).build());
        Map<String, String> traces = new java.util.HashMap<>();
        for (Message message : sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(10)
                .messageSystemAttributeNamesWithStrings("AWSTraceHeader").build()).messages()) {
            traces.put(message.body(), message.attributesAsStrings().get("AWSTraceHeader"));
        }
        assertThat(traces).containsExactlyInAnyOrderEntriesOf(Map.of("header", fromHeader, "explicit", explicit,
                "batch", fromHeader));
    }

    @Test
    void invalidMessagesGetTheExactErrors() {
        String url = createQueue("small", Map.of("MaximumMessageSize", "1024"));
        assertSqsError(() -> send(url, ""), "MissingParameter", 400, "The request must contain the parameter MessageBody.");
        assertSqsError(() -> send(url, "bad \u0001 char"), "InvalidMessageContents", 400, "Invalid characters found");
        assertThat(send(url, "x".repeat(1024)).messageId()).isNotNull();
        assertSqsError(() -> send(url, "x".repeat(1025)), "InvalidParameterValue", 400,
                "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.");
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("d")
                .delaySeconds(901).build()), "InvalidParameterValue", 400, "Value 901 for parameter DelaySeconds is invalid");
        Map<String, MessageAttributeValue> eleven = new java.util.HashMap<>();
        for (int i = 0; i < 11; i++) {
            eleven.put("a" + i, MessageAttributeValue.builder().dataType("String").stringValue("v").build());
        }
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m")
                .messageAttributes(eleven).build()), "InvalidParameterValue", 400,
                "Number of message attributes [11] exceeds the allowed maximum [10].");
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m")
                        .messageAttributes(Map.of("n", MessageAttributeValue.builder().dataType("Number")
                                .stringValue("abc").build())).build()), "InvalidParameterValue", 400,
                "Can't cast the value of message (user) attribute 'n' to a number.");
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m")
                        .messageAttributes(Map.of("AWS.reserved", MessageAttributeValue.builder().dataType("String")
                                .stringValue("v").build())).build()), "InvalidParameterValue", 400, "AWS.reserved");
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("m")
                        .messageAttributes(Map.of("t", MessageAttributeValue.builder().dataType("Text")
                                .stringValue("v").build())).build()), "InvalidParameterValue", 400,
                "supported type prefixes: Binary, Number, String");
    }

    @Test
    void receiveValidatesItsParameters() {
        String url = createQueue();
        assertSqsError(() -> sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(11)
                .build()), "InvalidParameterValue", 400,
                "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        assertSqsError(() -> sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).waitTimeSeconds(21)
                .build()), "InvalidParameterValue", 400,
                "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
        assertSqsError(() -> sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).visibilityTimeout(43201)
                .build()), "InvalidParameterValue", 400, "VisibilityTimeout");
    }

    @Test
    void receiveReturnsAtMostMaxNumberOfMessages() {
        String url = createQueue();
        for (int i = 0; i < 15; i++) {
            send(url, "m" + i);
        }
        assertThat(receive(url, 10)).hasSize(10);
        assertThat(receive(url, 10)).hasSize(5);
        assertThat(receive(url, 10)).isEmpty();
    }

    // ---- visibility ---------------------------------------------------------------------------------------------

    @Test
    void unDeletedMessageComesBackAfterItsVisibilityTimeout() {
        String url = createQueue();
        send(url, "again");
        Message first = receive(url, 1).getFirst();
        clock.advanceSeconds(29);
        assertThat(receive(url, 1)).isEmpty();
        clock.advanceSeconds(1);
        Message second = receive(url, 1).getFirst();
        assertThat(second.messageId()).isEqualTo(first.messageId());
        assertThat(second.receiptHandle()).isNotEqualTo(first.receiptHandle());
        assertThat(second.attributesAsStrings()).containsEntry("ApproximateReceiveCount", "2")
                .containsEntry("ApproximateFirstReceiveTimestamp",
                        first.attributesAsStrings().get("ApproximateFirstReceiveTimestamp"));
        // The first handle is stale: deleting with it succeeds but does not delete (AWS documents this).
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(first.receiptHandle()).build());
        clock.advanceSeconds(30);
        assertThat(receive(url, 1)).hasSize(1);
    }

    @Test
    void receiveVisibilityTimeoutOverridesTheQueueDefault() {
        String url = createQueue();
        send(url, "m");
        sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).visibilityTimeout(100).build());
        clock.advanceSeconds(99);
        assertThat(receive(url, 1)).isEmpty();
        clock.advanceSeconds(1);
        assertThat(receive(url, 1)).hasSize(1);
    }

    @Test
    void changeMessageVisibilityExtendsOrReleases() {
        String url = createQueue();
        send(url, "m");
        Message message = receive(url, 1).getFirst();
        sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                .receiptHandle(message.receiptHandle()).visibilityTimeout(120).build());
        clock.advanceSeconds(119);
        assertThat(receive(url, 1)).isEmpty();
        clock.advanceSeconds(1);
        Message again = receive(url, 1).getFirst();
        sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                .receiptHandle(again.receiptHandle()).visibilityTimeout(0).build());
        assertThat(receive(url, 1)).hasSize(1);
    }

    @Test
    void aReceiptOfAnEarlierReceiveChangesTheVisibilityOfAMessageInFlight() {
        String url = createQueue();
        send(url, "m");
        Message first = receive(url, 1).getFirst();
        clock.advanceSeconds(30);
        Message second = receive(url, 1).getFirst();
        sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                .receiptHandle(first.receiptHandle()).visibilityTimeout(0).build());
        Message third = receive(url, 1).getFirst();
        assertThat(third.attributesAsStrings()).containsEntry("ApproximateReceiveCount", "3");
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(third.receiptHandle()).build());
        assertSqsError(() -> sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                        .receiptHandle(second.receiptHandle()).visibilityTimeout(10).build()),
                "InvalidParameterValue", 400,
                "Message does not exist or is not available for visibility timeout change.");
    }

    @Test
    void changeMessageVisibilityErrors() {
        String url = createQueue();
        send(url, "m");
        Message message = receive(url, 1).getFirst();
        assertSqsError(() -> sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                        .receiptHandle(message.receiptHandle()).visibilityTimeout(43201).build()),
                "InvalidParameterValue", 400, "VisibilityTimeout");
        clock.advanceSeconds(20);
        assertSqsError(() -> sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                        .receiptHandle(message.receiptHandle()).visibilityTimeout(43190).build()),
                "InvalidParameterValue", 400,
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(message.receiptHandle()).build());
        assertSqsError(() -> sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                        .receiptHandle(message.receiptHandle()).visibilityTimeout(10).build()),
                "InvalidParameterValue", 400,
                "Message does not exist or is not available for visibility timeout change.");
    }

    @Test
    void forgedOrForeignReceiptHandlesAreRejected() {
        String url = createQueue();
        String other = createQueue();
        send(url, "m");
        Message message = receive(url, 1).getFirst();
        assertSqsError(() -> sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle("garbage")
                .build()), "ReceiptHandleIsInvalid", 404,
                "The input receipt handle \"garbage\" is not a valid receipt handle.");
        assertSqsError(() -> sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(other)
                .receiptHandle(message.receiptHandle()).build()), "ReceiptHandleIsInvalid", 404, "not a valid receipt handle");
        String handle = message.receiptHandle();
        String tampered = handle.substring(0, 10) + (handle.charAt(10) == 'A' ? 'B' : 'A') + handle.substring(11);
        assertSqsError(() -> sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(tampered)
                .build()), "ReceiptHandleIsInvalid", 404, "not a valid receipt handle");
    }

    // ---- delay and retention -----------------------------------------------------------------------------------

    @Test
    void perMessageDelayHoldsTheMessageBack() {
        String url = createQueue("delay", Map.of("DelaySeconds", "60"));
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("now").delaySeconds(0).build());
        send(url, "queue default");
        Message now = receive(url, 10).getFirst();
        assertThat(now.body()).isEqualTo("now");
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(now.receiptHandle()).build());
        assertThat(attributes(url, "ApproximateNumberOfMessagesDelayed"))
                .containsEntry("ApproximateNumberOfMessagesDelayed", "1");
        clock.advanceSeconds(60);
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("queue default");
    }

    @Test
    void messagesExpireAfterTheRetentionPeriod() {
        String url = createQueue("retention", Map.of("MessageRetentionPeriod", "60"));
        send(url, "old");
        clock.advanceSeconds(30);
        send(url, "young");
        clock.advanceSeconds(30);
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("young");
    }

    // ---- batches ------------------------------------------------------------------------------------------------

    @Test
    void sendMessageBatchReportsPerEntryFailures() throws Exception {
        String url = createQueue("batch", Map.of("MaximumMessageSize", "1024"));
        SendMessageBatchResponse response = sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url)
                .entries(SendMessageBatchRequestEntry.builder().id("ok").messageBody("fine")
                                .messageAttributes(Map.of("k", MessageAttributeValue.builder().dataType("String")
                                        .stringValue("v").build())).build(),
                        SendMessageBatchRequestEntry.builder().id("too_big").messageBody("x".repeat(1025)).build(),
                        SendMessageBatchRequestEntry.builder().id("bad-chars").messageBody("\u0000").build())
                .build());
        assertThat(response.successful()).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo("ok");
            assertThat(s.md5OfMessageBody()).isEqualTo(md5Hex("fine"));
        });
        assertThat(response.failed()).extracting(BatchResultErrorEntry::id, BatchResultErrorEntry::code,
                BatchResultErrorEntry::senderFault).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("too_big", "InvalidParameterValue", true),
                org.assertj.core.groups.Tuple.tuple("bad-chars", "InvalidMessageContents", true));
        assertThat(response.failed()).filteredOn(f -> f.id().equals("too_big")).singleElement()
                .extracting(BatchResultErrorEntry::message).isEqualTo(
                        "One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.");
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("fine");
    }

    @Test
    void batchRequestsAreCheckedAsAWhole() {
        String url = createQueue();
        assertSqsError(() -> sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(
                        SendMessageBatchRequestEntry.builder().id("same").messageBody("a").build(),
                        SendMessageBatchRequestEntry.builder().id("same").messageBody("b").build()).build()),
                "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, "same");
        assertSqsError(() -> sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(
                        SendMessageBatchRequestEntry.builder().id("bad id").messageBody("a").build()).build()),
                "AWS.SimpleQueueService.InvalidBatchEntryId", 400,
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores.");
        List<SendMessageBatchRequestEntry> eleven = java.util.stream.IntStream.range(0, 11).mapToObj(i ->
                SendMessageBatchRequestEntry.builder().id("e" + i).messageBody("m").build()).toList();
        assertSqsError(() -> sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(eleven)
                        .build()), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400,
                "Maximum number of entries per request are 10. You have sent 11.");
        List<SendMessageBatchRequestEntry> large = java.util.stream.IntStream.range(0, 2).mapToObj(i ->
                SendMessageBatchRequestEntry.builder().id("e" + i).messageBody("x".repeat(600_000)).build()).toList();
        assertSqsError(() -> sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(large)
                        .build()), "AWS.SimpleQueueService.BatchRequestTooLong", 400,
                "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.");
        assertSqsError(() -> sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url)
                        .entries(List.of()).build()), "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                "There should be at least one SendMessageBatchRequestEntry in the request.");
        assertSqsError(() -> sqs.changeMessageVisibilityBatch(ChangeMessageVisibilityBatchRequest.builder()
                        .queueUrl(url).entries(List.of()).build()), "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                "There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request.");
        assertSqsError(() -> sqs.deleteMessageBatch(DeleteMessageBatchRequest.builder().queueUrl(url)
                        .entries(List.of()).build()), "AWS.SimpleQueueService.EmptyBatchRequest", 400,
                "There should be at least one DeleteMessageBatchRequestEntry in the request.");
        assertThat(attributes(url, "ApproximateNumberOfMessages")).containsEntry("ApproximateNumberOfMessages", "0");
    }

    @Test
    void deleteAndChangeVisibilityBatches() {
        String url = createQueue();
        for (int i = 0; i < 3; i++) {
            send(url, "m" + i);
        }
        List<Message> messages = receive(url, 3);
        ChangeMessageVisibilityBatchResponse changed = sqs.changeMessageVisibilityBatch(
                ChangeMessageVisibilityBatchRequest.builder().queueUrl(url).entries(
                        ChangeMessageVisibilityBatchRequestEntry.builder().id("a")
                                .receiptHandle(messages.get(0).receiptHandle()).visibilityTimeout(0).build(),
                        ChangeMessageVisibilityBatchRequestEntry.builder().id("b")
                                .receiptHandle("forged").visibilityTimeout(0).build()).build());
        assertThat(changed.successful()).extracting(ChangeMessageVisibilityBatchResultEntry::id).containsExactly("a");
        assertThat(changed.failed()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("b");
            assertThat(f.code()).isEqualTo("ReceiptHandleIsInvalid");
            assertThat(f.senderFault()).isTrue();
        });
        Message released = receive(url, 1).getFirst();
        DeleteMessageBatchResponse deleted = sqs.deleteMessageBatch(DeleteMessageBatchRequest.builder().queueUrl(url)
                .entries(DeleteMessageBatchRequestEntry.builder().id("x").receiptHandle(released.receiptHandle()).build(),
                        DeleteMessageBatchRequestEntry.builder().id("y").receiptHandle(messages.get(1).receiptHandle())
                                .build(),
                        DeleteMessageBatchRequestEntry.builder().id("z").receiptHandle(messages.get(2).receiptHandle())
                                .build()).build());
        assertThat(deleted.successful()).extracting(DeleteMessageBatchResultEntry::id).containsExactly("x", "y", "z");
        assertThat(deleted.failed()).isEmpty();
        clock.advanceSeconds(60);
        assertThat(receive(url, 10)).isEmpty();
    }

    // ---- purge and tags -----------------------------------------------------------------------------------------

    @Test
    void purgeDeletesEverythingOncePerMinute() {
        String url = createQueue();
        send(url, "a");
        send(url, "b");
        receive(url, 1);
        sqs.purgeQueue(PurgeQueueRequest.builder().queueUrl(url).build());
        assertThat(attributes(url, "All")).containsEntry("ApproximateNumberOfMessages", "0")
                .containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
        assertSqsError(() -> sqs.purgeQueue(PurgeQueueRequest.builder().queueUrl(url).build()),
                "AWS.SimpleQueueService.PurgeQueueInProgress", 403,
                "Only one PurgeQueue operation on " + url.substring(url.lastIndexOf('/') + 1)
                        + " is allowed every 60 seconds.");
        clock.advanceSeconds(60);
        sqs.purgeQueue(PurgeQueueRequest.builder().queueUrl(url).build());
    }

    @Test
    void tagsAreSetListedAndRemoved() {
        String name = uniqueName("tagged");
        String url = sqs.createQueue(CreateQueueRequest.builder().queueName(name).tags(Map.of("team", "core"))
                .build()).queueUrl();
        sqs.tagQueue(TagQueueRequest.builder().queueUrl(url).tags(Map.of("env", "test", "team", "platform")).build());
        assertThat(sqs.listQueueTags(ListQueueTagsRequest.builder().queueUrl(url).build()).tags())
                .isEqualTo(Map.of("env", "test", "team", "platform"));
        sqs.untagQueue(UntagQueueRequest.builder().queueUrl(url).tagKeys("team", "absent").build());
        assertThat(sqs.listQueueTags(ListQueueTagsRequest.builder().queueUrl(url).build()).tags())
                .isEqualTo(Map.of("env", "test"));
        sqs.untagQueue(UntagQueueRequest.builder().queueUrl(url).tagKeys("env").build());
        assertThat(sqs.listQueueTags(ListQueueTagsRequest.builder().queueUrl(url).build()).tags()).isEmpty();
    }

    // ---- long polling (deadlines on the server's manual clock) --------------------------------------------------

    @Test
    void longPollReturnsAsSoonAsAMessageArrives() throws Exception {
        String url = createQueue();
        CompletableFuture<List<Message>> poll = CompletableFuture.supplyAsync(() -> sqs.receiveMessage(
                ReceiveMessageRequest.builder().queueUrl(url).waitTimeSeconds(10).maxNumberOfMessages(10).build())
                .messages());
        Thread.sleep(300);
        assertThat(poll).isNotDone();
        send(url, "wake up");
        List<Message> messages = poll.get(5, TimeUnit.SECONDS);
        assertThat(messages).extracting(Message::body).containsExactly("wake up");
    }

    @Test
    void longPollWithNothingToReceiveWaitsUntilItsWaitTimeHasPassed() throws Exception {
        String url = createQueue("idle", Map.of("ReceiveMessageWaitTimeSeconds", "20"));
        CompletableFuture<List<Message>> poll = CompletableFuture.supplyAsync(() -> sqs.receiveMessage(
                ReceiveMessageRequest.builder().queueUrl(url).build()).messages());
        Thread.sleep(300);
        clock.advance(Duration.ofSeconds(20).minusMillis(1));
        Thread.sleep(300);
        assertThat(poll).as("the queue's 20 s have not passed on the server's clock").isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(poll.get(5, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void aLongPollWakesWhenAMessageItsWaitOutlivesBecomesVisible() throws Exception {
        String url = createQueue();
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("later").delaySeconds(5).build());
        CompletableFuture<List<Message>> poll = CompletableFuture.supplyAsync(() -> sqs.receiveMessage(
                ReceiveMessageRequest.builder().queueUrl(url).waitTimeSeconds(20).build()).messages());
        Thread.sleep(300);
        assertThat(poll).isNotDone();
        clock.advanceSeconds(5);
        assertThat(poll.get(5, TimeUnit.SECONDS)).extracting(Message::body).containsExactly("later");
    }

    // ---- queue addressing ---------------------------------------------------------------------------------------

    @Test
    void unknownQueueGetsNonExistentQueue() {
        assertSqsError(() -> send(server.endpoint() + "/000000000000/no-such-queue", "x"),
                "AWS.SimpleQueueService.NonExistentQueue", 400, "The specified queue does not exist");
    }
}
