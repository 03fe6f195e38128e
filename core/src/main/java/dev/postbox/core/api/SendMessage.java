package dev.postbox.core.api;

import java.util.Map;

public final class SendMessage {
    private SendMessage() {
    }

    public record Request(String queueUrl, String messageBody, Integer delaySeconds,
                          Map<String, MessageAttributeValue> messageAttributes,
                          Map<String, MessageAttributeValue> messageSystemAttributes,
                          String messageDeduplicationId, String messageGroupId) {
    }

    /** MD5s of attributes are null when the request carried none; the sequence number only exists on FIFO queues. */
    public record Result(String messageId, String md5OfMessageBody, String md5OfMessageAttributes,
                         String md5OfMessageSystemAttributes, String sequenceNumber) {
    }
}
