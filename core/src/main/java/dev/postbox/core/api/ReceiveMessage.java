package dev.postbox.core.api;

import java.util.List;
import java.util.Map;

public final class ReceiveMessage {
    private ReceiveMessage() {
    }

    /**
     * @param messageSystemAttributeNames the union of {@code AttributeNames} (deprecated) and
     *                                    {@code MessageSystemAttributeNames}
     */
    public record Request(String queueUrl, List<String> messageSystemAttributeNames,
                          List<String> messageAttributeNames, Integer maxNumberOfMessages,
                          Integer visibilityTimeout, Integer waitTimeSeconds, String receiveRequestAttemptId) {
    }

    public record Result(List<Message> messages) {
    }

    /** A received message; {@code attributes} are the requested system attributes (empty when none requested). */
    public record Message(String messageId, String receiptHandle, String md5OfBody, String body,
                          Map<String, String> attributes, String md5OfMessageAttributes,
                          Map<String, MessageAttributeValue> messageAttributes) {
    }
}
