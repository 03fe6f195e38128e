package dev.postbox.it;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.*;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The spec for FIFO queues, and for fair (group-tagged) standard queues. */
abstract class FifoQueueSpec extends SpecSupport {

    private String createFifo(String prefix, Map<String, String> attributes) {
        Map<String, String> all = new java.util.HashMap<>(attributes);
        all.put("FifoQueue", "true");
        return sqs.createQueue(CreateQueueRequest.builder().queueName(uniqueName(prefix) + ".fifo")
                .attributesWithStrings(all).build()).queueUrl();
    }

    private SendMessageResponse sendFifo(String url, String body, String group, String dedup) {
        return sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody(body).messageGroupId(group)
                .messageDeduplicationId(dedup).build());
    }

    @Test
    void fifoQueueIsCreatedWithItsAttributesAndCannotChangeType() {
        String url = createFifo("create", Map.of());
        assertThat(attributes(url, "All")).containsEntry("FifoQueue", "true")
                .containsEntry("ContentBasedDeduplication", "false").containsEntry("DeduplicationScope", "queue")
                .containsEntry("FifoThroughputLimit", "perQueue");
        assertSqsError(() -> sqs.createQueue(CreateQueueRequest.builder().queueName(uniqueName("noattr") + ".fifo")
                .build()), "InvalidParameterValue", 400, "must end with .fifo suffix");
        assertSqsError(() -> sqs.createQueue(CreateQueueRequest.builder().queueName(uniqueName("nosuffix"))
                .attributesWithStrings(Map.of("FifoQueue", "true")).build()), "InvalidParameterValue", 400,
                "must end with .fifo suffix");
        assertSqsError(() -> sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                        .attributesWithStrings(Map.of("FifoQueue", "false")).build()), "InvalidAttributeValue", 400,
                "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
        sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                .attributesWithStrings(Map.of("FifoQueue", "true")).build());
        assertSqsError(() -> sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                        .attributesWithStrings(Map.of("FifoThroughputLimit", "perMessageGroupId")).build()),
                "InvalidAttributeValue", 400, "FifoThroughputLimit");
        sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url).attributesWithStrings(Map.of(
                "DeduplicationScope", "messageGroup", "FifoThroughputLimit", "perMessageGroupId")).build());
        assertThat(attributes(url, "DeduplicationScope", "FifoThroughputLimit"))
                .containsEntry("DeduplicationScope", "messageGroup").containsEntry("FifoThroughputLimit", "perMessageGroupId");
        assertSqsError(() -> sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url)
                        .attributesWithStrings(Map.of("DeduplicationScope", "global")).build()),
                "InvalidAttributeValue", 400, "DeduplicationScope");
    }

    @Test
    void sendingToAFifoQueueFollowsItsRules() {
        String url = createFifo("rules", Map.of());
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("x")
                        .messageDeduplicationId("d").build()), "MissingParameter", 400,
                "The request must contain the parameter MessageGroupId.");
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("x")
                        .messageGroupId("g").build()), "InvalidParameterValue", 400,
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("x")
                        .messageGroupId("g").messageDeduplicationId("d").delaySeconds(2).build()),
                "InvalidParameterValue", 400,
                "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.");
        assertSqsError(() -> sendFifo(url, "x", "bad group", "d"), "InvalidParameterValue", 400,
                "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        SendMessageResponse first = sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("x")
                .messageGroupId("g").messageDeduplicationId("d1").delaySeconds(0).build());
        SendMessageResponse second = sendFifo(url, "y", "g", "d2");
        assertThat(first.sequenceNumber()).hasSize(20).containsOnlyDigits();
        assertThat(new BigInteger(second.sequenceNumber())).isGreaterThan(new BigInteger(first.sequenceNumber()));
        String standard = createQueue();
        assertSqsError(() -> sqs.sendMessage(SendMessageRequest.builder().queueUrl(standard).messageBody("x")
                        .messageDeduplicationId("d").build()), "InvalidParameterValue", 400,
                "The request include parameter that is not valid for this queue type.");
    }

    @Test
    void groupsAreDeliveredInOrderAndLockedWhileInFlight() {
        String url = createFifo("order", Map.of());
        sendFifo(url, "a1", "a", "1");
        sendFifo(url, "a2", "a", "2");
        sendFifo(url, "b1", "b", "3");
        sendFifo(url, "a3", "a", "4");
        List<Message> first = receive(url, 2);
        assertThat(first).extracting(Message::body).containsExactly("a1", "a2");
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("b1");
        assertThat(receive(url, 10)).as("both groups are locked").isEmpty();
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(first.get(0).receiptHandle())
                .build());
        assertThat(receive(url, 10)).as("a2 is still in flight").isEmpty();
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(first.get(1).receiptHandle())
                .build());
        Message a3 = receive(url, 10).getFirst();
        assertThat(a3.body()).isEqualTo("a3");
        assertThat(a3.attributesAsStrings()).containsEntry("MessageGroupId", "a")
                .containsEntry("MessageDeduplicationId", "4").containsKey("SequenceNumber");
    }

    private List<Message> receive(String url, int max, int visibilityTimeout) {
        return sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(max)
                .visibilityTimeout(visibilityTimeout).build()).messages();
    }

    private void changeVisibility(String url, Message message, int seconds) {
        sqs.changeMessageVisibility(ChangeMessageVisibilityRequest.builder().queueUrl(url)
                .receiptHandle(message.receiptHandle()).visibilityTimeout(seconds).build());
    }

    @Test
    void aGroupIsReceivableAgainUpToItsFirstMessageStillInFlight() {
        String url = createFifo("head", Map.of());
        sendFifo(url, "m1", "g", "1");
        sendFifo(url, "m2", "g", "2");
        sendFifo(url, "m3", "g", "3");
        List<Message> all = receive(url, 10);
        assertThat(all).extracting(Message::body).containsExactly("m1", "m2", "m3");
        changeVisibility(url, all.get(1), 300);
        clock.advanceSeconds(30);
        assertThat(receive(url, 10)).as("m2 is still in flight").extracting(Message::body).containsExactly("m1");

        String third = createFifo("head3", Map.of());
        sendFifo(third, "m1", "g", "1");
        sendFifo(third, "m2", "g", "2");
        sendFifo(third, "m3", "g", "3");
        List<Message> again = receive(third, 10);
        changeVisibility(third, again.get(2), 300);
        clock.advanceSeconds(30);
        assertThat(receive(third, 10)).extracting(Message::body).containsExactly("m1", "m2");
    }

    @Test
    void endingTheFirstMessagesVisibilityReopensItsGroupWhileLaterOnesAreInFlight() {
        String url = createFifo("reopen", Map.of());
        sendFifo(url, "m1", "g", "1");
        sendFifo(url, "m2", "g", "2");
        List<Message> both = receive(url, 10);
        assertThat(receive(url, 10)).as("the group is in flight").isEmpty();
        changeVisibility(url, both.getFirst(), 0);
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("m1");
    }

    @Test
    void aGroupJustServedGoesToTheBack() {
        String url = createFifo("rotate", Map.of());
        for (String group : List.of("1", "2", "3")) {
            sendFifo(url, group + "a", group, group + "a");
            sendFifo(url, group + "b", group, group + "b");
        }
        List<Message> first = receive(url, 2);
        List<Message> second = receive(url, 2);
        assertThat(first).extracting(Message::body).containsExactly("1a", "1b");
        assertThat(second).extracting(Message::body).containsExactly("2a", "2b");
        for (Message message : first) {
            changeVisibility(url, message, 0);
        }
        for (Message message : second) {
            changeVisibility(url, message, 0);
        }
        assertThat(receive(url, 10, 0)).extracting(Message::body).containsExactly("3a", "3b", "1a", "1b", "2a", "2b");
        assertThat(receive(url, 2, 0)).as("a receive with VisibilityTimeout 0 moved 3, 1 and 2 back in that order")
                .extracting(Message::body).containsExactly("3a", "3b");
        assertThat(receive(url, 10, 0)).extracting(Message::body).containsExactly("1a", "1b", "2a", "2b", "3a", "3b");
    }

    @Test
    void aFifoSendWithDelayZeroGetsTheQueuesDelay() {
        String url = createFifo("delay", Map.of("DelaySeconds", "5"));
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("late").messageGroupId("g")
                .messageDeduplicationId("d").delaySeconds(0).build());
        assertThat(receive(url, 10)).isEmpty();
        clock.advanceSeconds(5);
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("late");
    }

    @Test
    void purgeClearsTheDeduplicationWindow() {
        String url = createFifo("purge-dedup", Map.of());
        sendFifo(url, "before", "g", "same");
        sqs.purgeQueue(PurgeQueueRequest.builder().queueUrl(url).build());
        sendFifo(url, "after", "g", "same");
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("after");
    }

    @Test
    void switchingToPerGroupDeduplicationTakesEffectAtOnce() {
        String url = createFifo("switch-scope", Map.of());
        String original = sendFifo(url, "x", "g1", "same").messageId();
        assertThat(sendFifo(url, "y", "g2", "same").messageId()).as("queue scope").isEqualTo(original);
        sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(url).attributesWithStrings(Map.of(
                "DeduplicationScope", "messageGroup", "FifoThroughputLimit", "perMessageGroupId")).build());
        SendMessageResponse sameGroup = sendFifo(url, "x again", "g1", "same");
        SendMessageResponse otherGroup = sendFifo(url, "z", "g3", "same");
        assertThat(sameGroup.messageId()).as("still a duplicate in its own group").isEqualTo(original);
        assertThat(otherGroup.messageId()).as("another group is another scope now").isNotEqualTo(original);
        assertThat(receive(url, 10)).extracting(Message::body).containsExactlyInAnyOrder("x", "z");
    }

    @Test
    void anExpiredReceiptCannotDeleteAndTheMessageComesBackFirst() {
        String url = createFifo("expired", Map.of());
        sendFifo(url, "m1", "g", "1");
        sendFifo(url, "m2", "g", "2");
        Message m1 = receive(url, 1).getFirst();
        clock.advanceSeconds(30);
        assertSqsError(() -> sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url)
                        .receiptHandle(m1.receiptHandle()).build()), "InvalidParameterValue", 400,
                "Reason: The receipt handle has expired.");
        Message again = receive(url, 1).getFirst();
        assertThat(again.body()).isEqualTo("m1");
        assertThat(again.attributesAsStrings()).containsEntry("ApproximateReceiveCount", "2");
    }

    @Test
    void duplicatesWithinFiveMinutesAreAcceptedButNotEnqueued() {
        String url = createFifo("dedup", Map.of());
        SendMessageResponse original = sendFifo(url, "once", "g", "same-id");
        SendMessageResponse duplicate = sendFifo(url, "twice?", "g", "same-id");
        assertThat(duplicate.messageId()).isEqualTo(original.messageId());
        assertThat(duplicate.sequenceNumber()).isEqualTo(original.sequenceNumber());
        assertThat(receive(url, 10)).extracting(Message::body).containsExactly("once");

        String contentBased = createFifo("cbd", Map.of("ContentBasedDeduplication", "true"));
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(contentBased).messageBody("same body")
                .messageGroupId("g").build());
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(contentBased).messageBody("same body")
                .messageGroupId("g").build());
        List<Message> received = receive(contentBased, 10);
        assertThat(received).hasSize(1);
        assertThat(received.getFirst().attributesAsStrings())
                .containsEntry("MessageDeduplicationId", sha256("same body"));
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(contentBased)
                .receiptHandle(received.getFirst().receiptHandle()).build());
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(contentBased).messageBody("same body")
                .messageGroupId("g").build());
        assertThat(receive(contentBased, 10)).as("deleted, but the id still blocks repeats").isEmpty();
        clock.advanceSeconds(300);
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(contentBased).messageBody("same body")
                .messageGroupId("g").build());
        assertThat(receive(contentBased, 10)).as("the window has passed").hasSize(1);
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRetriedReceiveWithTheSameAttemptIdGetsTheSameMessagesAndHandles() {
        String url = createFifo("attempt", Map.of());
        sendFifo(url, "m1", "g", "1");
        sendFifo(url, "m2", "g", "2");
        ReceiveMessageRequest request = ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(10)
                .receiveRequestAttemptId("attempt-1").build();
        List<Message> first = sqs.receiveMessage(request).messages();
        List<Message> retry = sqs.receiveMessage(request).messages();
        assertThat(retry).extracting(Message::receiptHandle)
                .containsExactlyElementsOf(first.stream().map(Message::receiptHandle).toList());
        assertThat(first).extracting(Message::body).containsExactly("m1", "m2");
        sqs.deleteMessage(DeleteMessageRequest.builder().queueUrl(url).receiptHandle(retry.getFirst().receiptHandle())
                .build());
        assertThat(sqs.receiveMessage(request).messages()).as("a deleted message ends the retry window").isEmpty();
    }

    @Test
    void batchSendsKeepRequestOrderAndNeedGroupIdsForTheWholeRequest() {
        String url = createFifo("batch", Map.of("ContentBasedDeduplication", "true"));
        assertSqsError(() -> sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(
                        SendMessageBatchRequestEntry.builder().id("a").messageBody("x").messageGroupId("g").build(),
                        SendMessageBatchRequestEntry.builder().id("b").messageBody("y").build()).build()),
                "InvalidParameterValue", 400, "The request must contain the parameter MessageGroupId.");
        SendMessageBatchResponse sent = sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(
                java.util.stream.IntStream.range(0, 10).mapToObj(i -> SendMessageBatchRequestEntry.builder()
                        .id("e" + i).messageBody("m" + i).messageGroupId("g").build()).toList()).build());
        assertThat(sent.successful()).hasSize(10).allSatisfy(e -> assertThat(e.sequenceNumber()).hasSize(20));
        assertThat(receive(url, 10)).extracting(Message::body)
                .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    }

    @Test
    void fairStandardQueueServesAQuietGroupDespiteAFloodingOne() {
        String url = createQueue("fair", Map.of());
        for (int batch = 0; batch < 50; batch++) {
            int b = batch;
            sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(
                    java.util.stream.IntStream.range(0, 10).mapToObj(i -> SendMessageBatchRequestEntry.builder()
                            .id("e" + i).messageBody("noisy-" + b + "-" + i).messageGroupId("noisy").build())
                            .toList()).build());
        }
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("quiet").messageGroupId("quiet").build());
        List<Message> messages = receive(url, 10);
        assertThat(messages).extracting(Message::body).contains("quiet");
        assertThat(messages).filteredOn(m -> m.body().equals("quiet")).singleElement()
                .satisfies(m -> assertThat(m.attributesAsStrings()).containsEntry("MessageGroupId", "quiet"));
    }
}
