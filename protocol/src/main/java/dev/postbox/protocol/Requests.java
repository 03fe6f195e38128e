package dev.postbox.protocol;

import dev.postbox.core.api.AddPermission;
import dev.postbox.core.api.CancelMessageMoveTask;
import dev.postbox.core.api.ChangeMessageVisibility;
import dev.postbox.core.api.ChangeMessageVisibilityBatch;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteMessage;
import dev.postbox.core.api.DeleteMessageBatch;
import dev.postbox.core.api.DeleteQueue;
import dev.postbox.core.api.GetQueueAttributes;
import dev.postbox.core.api.GetQueueUrl;
import dev.postbox.core.api.ListDeadLetterSourceQueues;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.ListQueueTags;
import dev.postbox.core.api.ListQueues;
import dev.postbox.core.api.PurgeQueue;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.RemovePermission;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.SendMessageBatch;
import dev.postbox.core.api.SetQueueAttributes;
import dev.postbox.core.api.StartMessageMoveTask;
import dev.postbox.core.api.TagQueue;
import dev.postbox.core.api.UntagQueue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Request members (JSON names, sqs-reference.md §2) → typed requests; one method per operation. */
final class Requests {
    private Requests() {
    }

    static CreateQueue.Request createQueue(Params p) {
        var tags = p.stringMap("tags");
        return new CreateQueue.Request(p.string("QueueName"), p.stringMap("Attributes"),
                tags != null ? tags : p.stringMap("Tags"));
    }

    static GetQueueUrl.Request getQueueUrl(Params p) {
        return new GetQueueUrl.Request(p.string("QueueName"), p.string("QueueOwnerAWSAccountId"));
    }

    static ListQueues.Request listQueues(Params p) {
        return new ListQueues.Request(p.string("QueueNamePrefix"), p.integer("MaxResults"), p.string("NextToken"));
    }

    static DeleteQueue.Request deleteQueue(Params p, String queueUrl) {
        return new DeleteQueue.Request(queueUrl);
    }

    static PurgeQueue.Request purgeQueue(Params p, String queueUrl) {
        return new PurgeQueue.Request(queueUrl);
    }

    static GetQueueAttributes.Request getQueueAttributes(Params p, String queueUrl) {
        return new GetQueueAttributes.Request(queueUrl, p.strings("AttributeNames"));
    }

    static SetQueueAttributes.Request setQueueAttributes(Params p, String queueUrl) {
        return new SetQueueAttributes.Request(queueUrl, p.stringMap("Attributes"));
    }

    static SendMessage.Request sendMessage(Params p, String queueUrl) {
        return new SendMessage.Request(queueUrl, p.string("MessageBody"), p.integer("DelaySeconds"),
                p.attributeMap("MessageAttributes"), p.attributeMap("MessageSystemAttributes"),
                p.string("MessageDeduplicationId"), p.string("MessageGroupId"));
    }

    static SendMessageBatch.Request sendMessageBatch(Params p, String queueUrl) {
        List<SendMessageBatch.RequestEntry> entries = new ArrayList<>();
        for (Params e : orEmpty(p.entries("Entries"))) {
            entries.add(new SendMessageBatch.RequestEntry(e.string("Id"), e.string("MessageBody"),
                    e.integer("DelaySeconds"), e.attributeMap("MessageAttributes"),
                    e.attributeMap("MessageSystemAttributes"), e.string("MessageDeduplicationId"),
                    e.string("MessageGroupId")));
        }
        return new SendMessageBatch.Request(queueUrl, entries);
    }

    static ReceiveMessage.Request receiveMessage(Params p, String queueUrl) {
        // JSON clients may send both the deprecated AttributeNames and MessageSystemAttributeNames: AWS uses the union.
        LinkedHashSet<String> systemNames = new LinkedHashSet<>(orEmpty(p.strings("AttributeNames")));
        systemNames.addAll(orEmpty(p.strings("MessageSystemAttributeNames")));
        return new ReceiveMessage.Request(queueUrl, List.copyOf(systemNames), p.strings("MessageAttributeNames"),
                p.integer("MaxNumberOfMessages"), p.integer("VisibilityTimeout"), p.integer("WaitTimeSeconds"),
                p.string("ReceiveRequestAttemptId"));
    }

    static DeleteMessage.Request deleteMessage(Params p, String queueUrl) {
        return new DeleteMessage.Request(queueUrl, p.string("ReceiptHandle"));
    }

    static DeleteMessageBatch.Request deleteMessageBatch(Params p, String queueUrl) {
        List<DeleteMessageBatch.RequestEntry> entries = new ArrayList<>();
        for (Params e : orEmpty(p.entries("Entries"))) {
            entries.add(new DeleteMessageBatch.RequestEntry(e.string("Id"), e.string("ReceiptHandle")));
        }
        return new DeleteMessageBatch.Request(queueUrl, entries);
    }

    static ChangeMessageVisibility.Request changeMessageVisibility(Params p, String queueUrl) {
        return new ChangeMessageVisibility.Request(queueUrl, p.string("ReceiptHandle"),
                p.integer("VisibilityTimeout"));
    }

    static ChangeMessageVisibilityBatch.Request changeMessageVisibilityBatch(Params p, String queueUrl) {
        List<ChangeMessageVisibilityBatch.RequestEntry> entries = new ArrayList<>();
        for (Params e : orEmpty(p.entries("Entries"))) {
            entries.add(new ChangeMessageVisibilityBatch.RequestEntry(e.string("Id"), e.string("ReceiptHandle"),
                    e.integer("VisibilityTimeout")));
        }
        return new ChangeMessageVisibilityBatch.Request(queueUrl, entries);
    }

    static TagQueue.Request tagQueue(Params p, String queueUrl) {
        return new TagQueue.Request(queueUrl, p.stringMap("Tags"));
    }

    static UntagQueue.Request untagQueue(Params p, String queueUrl) {
        return new UntagQueue.Request(queueUrl, p.strings("TagKeys"));
    }

    static ListQueueTags.Request listQueueTags(Params p, String queueUrl) {
        return new ListQueueTags.Request(queueUrl);
    }

    static AddPermission.Request addPermission(Params p, String queueUrl) {
        return new AddPermission.Request(queueUrl, p.string("Label"), p.strings("AWSAccountIds"), p.strings("Actions"));
    }

    static RemovePermission.Request removePermission(Params p, String queueUrl) {
        return new RemovePermission.Request(queueUrl, p.string("Label"));
    }

    static ListDeadLetterSourceQueues.Request listDeadLetterSourceQueues(Params p, String queueUrl) {
        return new ListDeadLetterSourceQueues.Request(queueUrl, p.integer("MaxResults"), p.string("NextToken"));
    }

    static StartMessageMoveTask.Request startMessageMoveTask(Params p) {
        return new StartMessageMoveTask.Request(p.string("SourceArn"), p.string("DestinationArn"),
                p.integer("MaxNumberOfMessagesPerSecond"));
    }

    static ListMessageMoveTasks.Request listMessageMoveTasks(Params p) {
        return new ListMessageMoveTasks.Request(p.string("SourceArn"), p.integer("MaxResults"));
    }

    static CancelMessageMoveTask.Request cancelMessageMoveTask(Params p) {
        return new CancelMessageMoveTask.Request(p.string("TaskHandle"));
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
