package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.ListQueueTags;
import dev.postbox.core.api.TagQueue;
import dev.postbox.core.api.UntagQueue;
import dev.postbox.core.store.QueueStore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/** TagQueue, UntagQueue and ListQueueTags, and the tag rules CreateQueue applies too. */
final class QueueTags {
    private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

    private final QueueStore store;
    private final Queues queues;

    QueueTags(QueueStore store, Queues queues) {
        this.store = store;
        this.queues = queues;
    }

    CompletableFuture<Void> tagQueue(CallContext call, TagQueue.Request request) {
        return queues.require(call, "sqs:TagQueue", request.queueUrl()).thenCompose(queue -> {
            if (request.tags() == null || request.tags().isEmpty()) {
                throw SqsException.missingParameter("Tags");
            }
            check(queue.key().name(), request.tags(), queue.tags());
            return store.updateQueue(queue.key(), current -> {
                Map<String, String> merged = new LinkedHashMap<>(current.tags());
                merged.putAll(request.tags());
                check(current.key().name(), Map.of(), merged);
                return current.withTags(merged);
            });
        }).thenApply(updated -> null);
    }

    CompletableFuture<Void> untagQueue(CallContext call, UntagQueue.Request request) {
        return queues.require(call, "sqs:UntagQueue", request.queueUrl()).thenCompose(queue -> {
            if (request.tagKeys() == null || request.tagKeys().isEmpty()) {
                throw SqsException.missingParameter("TagKeys");
            }
            return store.updateQueue(queue.key(), current -> {
                Map<String, String> remaining = new LinkedHashMap<>(current.tags());
                request.tagKeys().forEach(remaining::remove);
                return current.withTags(remaining);
            });
        }).thenApply(updated -> null);
    }

    CompletableFuture<ListQueueTags.Result> listQueueTags(CallContext call, ListQueueTags.Request request) {
        return queues.require(call, "sqs:ListQueueTags", request.queueUrl()).thenApply(queue -> new ListQueueTags.Result(queue.tags()));
    }

    /** Tags {@code added} to a queue that has {@code existing}: each key and value, and the count. */
    static void check(String queueName, Map<String, String> added, Map<String, String> existing) {
        for (Map.Entry<String, String> tag : added.entrySet()) {
            String key = tag.getKey();
            String value = tag.getValue() == null ? "" : tag.getValue();
            if (key == null || key.isEmpty() || key.length() > Limits.MAX_TAG_KEY_LENGTH
                    || !TAG_TEXT.matcher(key).matches()) {
                throw SqsException.invalidParameter("Tag.Key", key, "Tag keys must be 1 to 128 characters of letters,"
                        + " digits, whitespace and _ . : / = + - @.");
            }
            if (key.startsWith("aws:")) {
                throw SqsException.invalidParameter("Tag.Key", key, "The aws: prefix is reserved.");
            }
            if (value.length() > Limits.MAX_TAG_VALUE_LENGTH || !TAG_TEXT.matcher(value).matches()) {
                throw SqsException.invalidParameter("Tag.Value", value, "Tag values must be 0 to 256 characters of"
                        + " letters, digits, whitespace and _ . : / = + - @.");
            }
        }
        long total = existing.size() + added.keySet().stream().filter(k -> !existing.containsKey(k)).count();
        if (total > Limits.MAX_TAGS) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Too many tags added for queue " + queueName
                    + ". A queue can have at most " + Limits.MAX_TAGS + " tags.");
        }
    }
}
