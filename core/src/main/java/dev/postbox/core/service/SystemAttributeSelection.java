package dev.postbox.core.service;

import dev.postbox.core.MessageRules;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which receive-side system attributes a ReceiveMessage asked for (sqs-reference.md §4.5). */
final class SystemAttributeSelection {
    static final String SENDER_ID = "SenderId";
    static final String SENT_TIMESTAMP = "SentTimestamp";
    static final String APPROXIMATE_RECEIVE_COUNT = "ApproximateReceiveCount";
    static final String APPROXIMATE_FIRST_RECEIVE_TIMESTAMP = "ApproximateFirstReceiveTimestamp";
    static final String SEQUENCE_NUMBER = "SequenceNumber";
    static final String MESSAGE_DEDUPLICATION_ID = "MessageDeduplicationId";
    static final String MESSAGE_GROUP_ID = "MessageGroupId";
    static final String DEAD_LETTER_QUEUE_SOURCE_ARN = "DeadLetterQueueSourceArn";

    /** Output order: as AWS lists them. */
    private static final List<String> ORDER = List.of(SENDER_ID, SENT_TIMESTAMP, APPROXIMATE_RECEIVE_COUNT,
            APPROXIMATE_FIRST_RECEIVE_TIMESTAMP, SEQUENCE_NUMBER, MESSAGE_DEDUPLICATION_ID, MESSAGE_GROUP_ID,
            MessageRules.AWS_TRACE_HEADER, DEAD_LETTER_QUEUE_SOURCE_ARN);
    private static final Set<String> KNOWN = Set.copyOf(ORDER);

    private final Set<String> selected;

    private SystemAttributeSelection(Set<String> selected) {
        this.selected = selected;
    }

    static SystemAttributeSelection of(List<String> names) {
        if (names == null || names.isEmpty()) {
            return new SystemAttributeSelection(Set.of());
        }
        for (String name : names) {
            if (!name.equals("All") && !KNOWN.contains(name)) {
                throw QueueAttributes.unknown(name);
            }
        }
        return new SystemAttributeSelection(names.contains("All") ? KNOWN : Set.copyOf(names));
    }

    Map<String, String> apply(Delivery delivery) {
        if (selected.isEmpty()) {
            return Map.of();
        }
        MessageData data = delivery.data();
        Map<String, String> result = new LinkedHashMap<>();
        for (String name : ORDER) {
            if (!selected.contains(name)) {
                continue;
            }
            String value = switch (name) {
                case SENDER_ID -> data.senderId();
                case SENT_TIMESTAMP -> Long.toString(data.sentAt().toEpochMilli());
                case APPROXIMATE_RECEIVE_COUNT -> Integer.toString(delivery.receiveCount());
                case APPROXIMATE_FIRST_RECEIVE_TIMESTAMP -> Long.toString(delivery.firstReceivedAt().toEpochMilli());
                case MESSAGE_DEDUPLICATION_ID -> data.deduplicationId();
                case MESSAGE_GROUP_ID -> data.groupId();
                case MessageRules.AWS_TRACE_HEADER -> data.systemAttributes().containsKey(name)
                        ? data.systemAttributes().get(name).stringValue() : null;
                case SEQUENCE_NUMBER -> delivery.sequenceNumber();
                case DEAD_LETTER_QUEUE_SOURCE_ARN -> data.deadLetterQueueSourceArn();
                default -> null;
            };
            if (value != null) {
                result.put(name, value);
            }
        }
        return result;
    }
}
