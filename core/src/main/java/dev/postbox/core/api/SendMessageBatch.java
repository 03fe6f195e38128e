package dev.postbox.core.api;

import java.util.List;
import java.util.Map;

public final class SendMessageBatch {
    private SendMessageBatch() {
    }

    public record Request(String queueUrl, List<RequestEntry> entries) {
    }

    public record RequestEntry(String id, String messageBody, Integer delaySeconds,
                               Map<String, MessageAttributeValue> messageAttributes,
                               Map<String, MessageAttributeValue> messageSystemAttributes,
                               String messageDeduplicationId, String messageGroupId) {
    }

    public record Result(List<ResultEntry> successful, List<BatchResultErrorEntry> failed) {
    }

    public record ResultEntry(String id, String messageId, String md5OfMessageBody, String md5OfMessageAttributes,
                              String md5OfMessageSystemAttributes, String sequenceNumber) {
    }
}
