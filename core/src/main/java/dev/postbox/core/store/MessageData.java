package dev.postbox.core.store;

import dev.postbox.core.api.MessageAttributeValue;

import java.time.Instant;
import java.util.Map;

/**
 * What a message carries from its send to its delete; never changes once accepted.
 *
 * @param systemAttributes         the send-side system attributes (only {@code AWSTraceHeader} today)
 * @param groupId                  FIFO group, or the fair-queue tenant on a standard queue; null when absent
 * @param deduplicationId          FIFO deduplication id (explicit or content-based); null on standard queues
 * @param deadLetterQueueSourceArn the queue this message was dead-lettered from; null unless moved to a DLQ
 */
public record MessageData(String messageId, String body, String md5OfBody,
                          Map<String, MessageAttributeValue> attributes, String md5OfMessageAttributes,
                          Map<String, MessageAttributeValue> systemAttributes, String senderId, Instant sentAt,
                          String groupId, String deduplicationId, String deadLetterQueueSourceArn) {
    public MessageData {
        attributes = Map.copyOf(attributes);
        systemAttributes = Map.copyOf(systemAttributes);
    }

    public MessageData withDeadLetterQueueSourceArn(String sourceArn) {
        return new MessageData(messageId, body, md5OfBody, attributes, md5OfMessageAttributes, systemAttributes,
                senderId, sentAt, groupId, deduplicationId, sourceArn);
    }
}
