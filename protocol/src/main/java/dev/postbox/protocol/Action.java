package dev.postbox.protocol;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The 23 SQS operations, named exactly as on the wire ({@code Action=} and {@code AmazonSQS.<name>}). */
public enum Action {
    AddPermission(true),
    CancelMessageMoveTask(false),
    ChangeMessageVisibility(true),
    ChangeMessageVisibilityBatch(true),
    CreateQueue(false),
    DeleteMessage(true),
    DeleteMessageBatch(true),
    DeleteQueue(true),
    GetQueueAttributes(true),
    GetQueueUrl(false),
    ListDeadLetterSourceQueues(true),
    ListMessageMoveTasks(false),
    ListQueueTags(true),
    ListQueues(false),
    PurgeQueue(true),
    ReceiveMessage(true),
    RemovePermission(true),
    SendMessage(true),
    SendMessageBatch(true),
    SetQueueAttributes(true),
    StartMessageMoveTask(false),
    TagQueue(true),
    UntagQueue(true);

    private static final Map<String, Action> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toMap(Action::name, Function.identity()));

    private final boolean queueScoped;

    Action(boolean queueScoped) {
        this.queueScoped = queueScoped;
    }

    /** Whether the operation takes a QueueUrl (and so may be addressed to a queue's path). */
    public boolean queueScoped() {
        return queueScoped;
    }

    /** The action of that exact (case-sensitive) name, or null. */
    public static Action named(String name) {
        return name == null ? null : BY_NAME.get(name);
    }
}
