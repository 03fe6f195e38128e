package dev.postbox.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postbox.core.api.BatchResultErrorEntry;
import dev.postbox.core.api.CancelMessageMoveTask;
import dev.postbox.core.api.ChangeMessageVisibilityBatch;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteMessageBatch;
import dev.postbox.core.api.GetQueueAttributes;
import dev.postbox.core.api.GetQueueUrl;
import dev.postbox.core.api.ListDeadLetterSourceQueues;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.ListQueueTags;
import dev.postbox.core.api.ListQueues;
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.SendMessageBatch;
import dev.postbox.core.api.StartMessageMoveTask;

import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Typed results → the JSON protocol's member tree (the XML writer renders the same tree). Absent values and empty
 * lists and maps are omitted, as AWS does.
 */
final class Results {
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private Results() {
    }

    static ObjectNode empty() {
        return Json.object();
    }

    static ObjectNode createQueue(CreateQueue.Result r) {
        return put(empty(), "QueueUrl", r.queueUrl());
    }

    static ObjectNode getQueueUrl(GetQueueUrl.Result r) {
        return put(empty(), "QueueUrl", r.queueUrl());
    }

    static ObjectNode listQueues(ListQueues.Result r) {
        ObjectNode node = empty();
        strings(node, "QueueUrls", r.queueUrls());
        return put(node, "NextToken", r.nextToken());
    }

    static ObjectNode getQueueAttributes(GetQueueAttributes.Result r) {
        ObjectNode node = empty();
        stringMap(node, "Attributes", r.attributes());
        return node;
    }

    static ObjectNode listQueueTags(ListQueueTags.Result r) {
        ObjectNode node = empty();
        stringMap(node, "Tags", r.tags());
        return node;
    }

    static ObjectNode sendMessage(SendMessage.Result r) {
        ObjectNode node = empty();
        put(node, "MD5OfMessageBody", r.md5OfMessageBody());
        put(node, "MD5OfMessageAttributes", r.md5OfMessageAttributes());
        put(node, "MD5OfMessageSystemAttributes", r.md5OfMessageSystemAttributes());
        put(node, "MessageId", r.messageId());
        return put(node, "SequenceNumber", r.sequenceNumber());
    }

    static ObjectNode sendMessageBatch(SendMessageBatch.Result r) {
        ObjectNode node = empty();
        if (!r.successful().isEmpty()) {
            ArrayNode successful = node.putArray("Successful");
            for (SendMessageBatch.ResultEntry e : r.successful()) {
                ObjectNode entry = successful.addObject();
                put(entry, "Id", e.id());
                put(entry, "MessageId", e.messageId());
                put(entry, "MD5OfMessageBody", e.md5OfMessageBody());
                put(entry, "MD5OfMessageAttributes", e.md5OfMessageAttributes());
                put(entry, "MD5OfMessageSystemAttributes", e.md5OfMessageSystemAttributes());
                put(entry, "SequenceNumber", e.sequenceNumber());
            }
        }
        failed(node, r.failed());
        return node;
    }

    static ObjectNode deleteMessageBatch(DeleteMessageBatch.Result r) {
        return idBatch(r.successful(), r.failed());
    }

    static ObjectNode changeMessageVisibilityBatch(ChangeMessageVisibilityBatch.Result r) {
        return idBatch(r.successful(), r.failed());
    }

    static ObjectNode receiveMessage(ReceiveMessage.Result r) {
        ObjectNode node = empty();
        if (r.messages().isEmpty()) {
            return node;
        }
        ArrayNode messages = node.putArray("Messages");
        for (ReceiveMessage.Message m : r.messages()) {
            ObjectNode message = messages.addObject();
            put(message, "MessageId", m.messageId());
            put(message, "ReceiptHandle", m.receiptHandle());
            put(message, "MD5OfBody", m.md5OfBody());
            put(message, "Body", m.body());
            stringMap(message, "Attributes", m.attributes());
            if (!m.messageAttributes().isEmpty()) {
                put(message, "MD5OfMessageAttributes", m.md5OfMessageAttributes());
                ObjectNode attributes = message.putObject("MessageAttributes");
                m.messageAttributes().forEach((name, value) -> attributes.set(name, attributeValue(value)));
            }
        }
        return node;
    }

    /** {@code queueUrls} (lower-case, as in the model) is required: sent even when empty. */
    static ObjectNode listDeadLetterSourceQueues(ListDeadLetterSourceQueues.Result r) {
        ObjectNode node = empty();
        ArrayNode urls = node.putArray("queueUrls");
        r.queueUrls().forEach(urls::add);
        return put(node, "NextToken", r.nextToken());
    }

    static ObjectNode startMessageMoveTask(StartMessageMoveTask.Result r) {
        return put(empty(), "TaskHandle", r.taskHandle());
    }

    static ObjectNode cancelMessageMoveTask(CancelMessageMoveTask.Result r) {
        ObjectNode node = empty();
        node.put("ApproximateNumberOfMessagesMoved", r.approximateNumberOfMessagesMoved());
        return node;
    }

    static ObjectNode listMessageMoveTasks(ListMessageMoveTasks.Result r) {
        ObjectNode node = empty();
        if (r.results().isEmpty()) {
            return node;
        }
        ArrayNode results = node.putArray("Results");
        for (ListMessageMoveTasks.Entry e : r.results()) {
            ObjectNode entry = results.addObject();
            put(entry, "TaskHandle", e.taskHandle());
            put(entry, "Status", e.status());
            put(entry, "SourceArn", e.sourceArn());
            put(entry, "DestinationArn", e.destinationArn());
            if (e.maxNumberOfMessagesPerSecond() != null) {
                entry.put("MaxNumberOfMessagesPerSecond", e.maxNumberOfMessagesPerSecond());
            }
            entry.put("ApproximateNumberOfMessagesMoved", e.approximateNumberOfMessagesMoved());
            entry.put("ApproximateNumberOfMessagesToMove", e.approximateNumberOfMessagesToMove());
            put(entry, "FailureReason", e.failureReason());
            entry.put("StartedTimestamp", e.startedTimestamp());
        }
        return node;
    }

    private static ObjectNode attributeValue(MessageAttributeValue value) {
        ObjectNode node = empty();
        put(node, "StringValue", value.stringValue());
        if (value.binaryValue() != null) {
            node.put("BinaryValue", BASE64.encodeToString(value.binaryValue()));
        }
        strings(node, "StringListValues", value.stringListValues());
        if (!value.binaryListValues().isEmpty()) {
            ArrayNode list = node.putArray("BinaryListValues");
            value.binaryListValues().forEach(b -> list.add(BASE64.encodeToString(b)));
        }
        return put(node, "DataType", value.dataType());
    }

    private static ObjectNode idBatch(List<String> successfulIds, List<BatchResultErrorEntry> failures) {
        ObjectNode node = empty();
        if (!successfulIds.isEmpty()) {
            ArrayNode successful = node.putArray("Successful");
            successfulIds.forEach(id -> successful.addObject().put("Id", id));
        }
        failed(node, failures);
        return node;
    }

    private static void failed(ObjectNode node, List<BatchResultErrorEntry> failures) {
        if (failures.isEmpty()) {
            return;
        }
        ArrayNode failed = node.putArray("Failed");
        for (BatchResultErrorEntry f : failures) {
            ObjectNode entry = failed.addObject();
            entry.put("Id", f.id());
            entry.put("SenderFault", f.senderFault());
            entry.put("Code", f.code());
            put(entry, "Message", f.message());
        }
    }

    private static ObjectNode put(ObjectNode node, String member, String value) {
        if (value != null) {
            node.put(member, value);
        }
        return node;
    }

    private static void strings(ObjectNode node, String member, List<String> values) {
        if (values != null && !values.isEmpty()) {
            ArrayNode array = node.putArray(member);
            values.forEach(array::add);
        }
    }

    private static void stringMap(ObjectNode node, String member, Map<String, String> values) {
        if (values != null && !values.isEmpty()) {
            ObjectNode map = node.putObject(member);
            values.forEach(map::put);
        }
    }
}
