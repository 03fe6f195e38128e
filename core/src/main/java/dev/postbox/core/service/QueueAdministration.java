package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.RedrivePolicies;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteQueue;
import dev.postbox.core.api.GetQueueAttributes;
import dev.postbox.core.api.GetQueueUrl;
import dev.postbox.core.api.ListQueues;
import dev.postbox.core.api.PurgeQueue;
import dev.postbox.core.api.SetQueueAttributes;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The queue operations: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes and PurgeQueue,
 * with the 60-second windows of DeleteQueue (name reuse) and PurgeQueue, which the store keeps.
 */
final class QueueAdministration {
    private static final Pattern STANDARD_NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final Pattern FIFO_NAME = Pattern.compile("[A-Za-z0-9_-]{1,75}\\.fifo");
    private static final String FIFO_NAME_RULE = "The name of a FIFO queue can only include alphanumeric characters,"
            + " hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.";

    private final QueueStore store;
    private final InstantSource clock;
    private final Queues queues;
    private final Duration queueReuseDelay;
    private final Duration purgeInterval;
    private final SecureRandom random = new SecureRandom();

    QueueAdministration(QueueStore store, InstantSource clock, Queues queues, Duration queueReuseDelay,
                        Duration purgeInterval) {
        this.store = store;
        this.clock = clock;
        this.queues = queues;
        this.queueReuseDelay = queueReuseDelay;
        this.purgeInterval = purgeInterval;
    }

    CompletableFuture<CreateQueue.Result> createQueue(CallContext call, CreateQueue.Request request) {
        String name = request.queueName();
        if (name == null || name.isEmpty()) {
            throw SqsException.missingParameter("QueueName");
        }
        Map<String, String> requested = request.attributes() == null ? Map.of() : request.attributes();
        String fifoValue = requested.get(QueueAttributes.FIFO_QUEUE);
        boolean fifo = fifoValue != null && fifoValue.trim().equalsIgnoreCase("true");
        if (name.endsWith(".fifo") != fifo && (fifo || fifoValue == null)) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, FIFO_NAME_RULE);
        }
        if (!(fifo ? FIFO_NAME : STANDARD_NAME).matcher(name).matches()) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, fifo ? FIFO_NAME_RULE
                    : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        }
        Map<String, String> attributes = QueueAttributes.validateSettable(requested, fifo);
        Map<String, String> tags = request.tags() == null ? Map.of() : request.tags();
        QueueTags.check(name, tags, Map.of());
        QueueKey key = queues.own(call, name);
        Map<String, String> initial = fifo ? QueueAttributes.fifoDefaults() : QueueAttributes.standardDefaults();
        merge(initial, attributes);
        checkThroughputMode(fifo, initial);
        return checkRedriveTarget(call, key, fifo, attributes).thenCompose(checked -> {
            Instant now = clock.instant();
            QueueRecord proposed = new QueueRecord(key, random.nextLong(), fifo, initial, tags, now, now);
            return store.createQueue(proposed, now.minus(queueReuseDelay));
        }).thenApply(outcome -> {
            switch (outcome.status()) {
                case NAME_RECENTLY_DELETED -> throw new SqsException(ErrorCode.QUEUE_DELETED_RECENTLY, "You must wait "
                        + queueReuseDelay.toSeconds() + " seconds after deleting a queue before you can create"
                        + " another with the same name.");
                case EXISTS -> {
                    Map<String, String> existing = outcome.queue().attributes();
                    for (Map.Entry<String, String> entry : attributes.entrySet()) {
                        if (!entry.getValue().equals(existing.getOrDefault(entry.getKey(), ""))) {
                            throw new SqsException(ErrorCode.QUEUE_NAME_EXISTS, "A queue already exists with the same"
                                    + " name and a different value for attribute " + entry.getKey());
                        }
                    }
                }
                case CREATED -> {
                }
            }
            return new CreateQueue.Result(queues.url(call, key));
        });
    }

    CompletableFuture<GetQueueUrl.Result> getQueueUrl(CallContext call, GetQueueUrl.Request request) {
        if (request.queueName() == null || request.queueName().isEmpty()) {
            throw SqsException.missingParameter("QueueName");
        }
        String account = request.queueOwnerAwsAccountId() == null || request.queueOwnerAwsAccountId().isEmpty()
                ? queues.accountOf(call) : request.queueOwnerAwsAccountId();
        QueueKey key = new QueueKey(call.region(), account, request.queueName());
        return queues.require(call, "sqs:GetQueueUrl", key)
                .thenApply(queue -> new GetQueueUrl.Result(queues.url(call, key)));
    }

    CompletableFuture<ListQueues.Result> listQueues(CallContext call, ListQueues.Request request) {
        String prefix = request.queueNamePrefix() == null ? "" : request.queueNamePrefix();
        return store.queues(call.region(), queues.accountOf(call), prefix).thenApply(all -> {
            Queues.Page page = queues.page(call, all, request.maxResults(), request.nextToken());
            return new ListQueues.Result(page.urls(), page.nextToken());
        });
    }

    CompletableFuture<Void> deleteQueue(CallContext call, DeleteQueue.Request request) {
        return queues.require(call, "sqs:DeleteQueue", request.queueUrl())
                .thenCompose(queue -> store.deleteQueue(queue.key(), clock.instant()))
                .thenAccept(deleted -> {
                    if (!deleted) {
                        throw SqsException.queueDoesNotExist();
                    }
                });
    }

    CompletableFuture<GetQueueAttributes.Result> getQueueAttributes(CallContext call,
                                                                   GetQueueAttributes.Request request) {
        return queues.require(call, "sqs:GetQueueAttributes", request.queueUrl()).thenCompose(queue -> {
            List<String> names = request.attributeNames() == null ? List.of() : request.attributeNames();
            for (String name : names) {
                if (!QueueAttributes.KNOWN.contains(name)) {
                    throw QueueAttributes.unknown(name);
                }
            }
            List<String> selected = names.contains(QueueAttributes.ALL)
                    ? QueueAttributes.KNOWN.stream().sorted().toList() : names;
            boolean countsNeeded = selected.stream().anyMatch(QueueAdministration::isCount);
            CompletableFuture<QueueCounts> counts = countsNeeded ? store.counts(queue.key(), clock.instant())
                    : CompletableFuture.completedFuture(null);
            return counts.thenApply(known -> new GetQueueAttributes.Result(values(call, queue, selected, known)));
        });
    }

    private static boolean isCount(String name) {
        return name.equals(QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES)
                || name.equals(QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)
                || name.equals(QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
    }

    private static Map<String, String> values(CallContext call, QueueRecord queue, List<String> names,
                                              QueueCounts counts) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String name : names) {
            String value = switch (name) {
                case QueueAttributes.QUEUE_ARN -> QueueUrls.arn(queue.key());
                case QueueAttributes.CREATED_TIMESTAMP -> Long.toString(queue.createdAt().getEpochSecond());
                case QueueAttributes.LAST_MODIFIED_TIMESTAMP -> Long.toString(queue.lastModifiedAt().getEpochSecond());
                case QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES -> Long.toString(counts.visible());
                case QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE -> Long.toString(counts.inFlight());
                case QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED -> Long.toString(counts.delayed());
                default -> queue.attributes().get(name);
            };
            if (value != null) {
                result.put(name, value);
            }
        }
        return result;
    }

    CompletableFuture<Void> setQueueAttributes(CallContext call, SetQueueAttributes.Request request) {
        return queues.require(call, "sqs:SetQueueAttributes", request.queueUrl()).thenCompose(queue -> {
            if (request.attributes() == null || request.attributes().isEmpty()) {
                throw SqsException.missingParameter("Attributes");
            }
            Map<String, String> changes = QueueAttributes.validateSettable(request.attributes(), queue.fifo());
            checkThroughputMode(queue.fifo(), merged(queue, changes));
            return checkRedriveTarget(call, queue.key(), queue.fifo(), changes).thenCompose(checked -> {
                Instant now = clock.instant();
                return store.updateQueue(queue.key(), current -> {
                    Map<String, String> merged = merged(current, changes);
                    checkThroughputMode(current.fifo(), merged); // again: another change may have come between
                    return current.withAttributes(merged, now);
                });
            });
        }).thenApply(updated -> null);
    }

    private static Map<String, String> merged(QueueRecord queue, Map<String, String> changes) {
        Map<String, String> merged = new LinkedHashMap<>(queue.attributes());
        merge(merged, changes);
        return merged;
    }

    /** Applies validated changes: an empty value removes a clearable attribute; encryption choices exclude each other. */
    private static void merge(Map<String, String> attributes, Map<String, String> changes) {
        changes.forEach((name, value) -> {
            if (value.isEmpty() && QueueAttributes.CLEARABLE.contains(name)) {
                attributes.remove(name);
            } else {
                attributes.put(name, value);
            }
        });
        applyEncryptionChoice(attributes, changes);
    }

    /** SSE-SQS and SSE-KMS exclude each other: the one named last in the request wins; an empty key id clears KMS. */
    private static void applyEncryptionChoice(Map<String, String> attributes, Map<String, String> changes) {
        if (changes.containsKey(QueueAttributes.KMS_MASTER_KEY_ID)) {
            if (changes.get(QueueAttributes.KMS_MASTER_KEY_ID).isEmpty()) {
                attributes.remove(QueueAttributes.KMS_MASTER_KEY_ID);
                attributes.remove(QueueAttributes.KMS_DATA_KEY_REUSE_PERIOD_SECONDS);
            } else {
                attributes.put(QueueAttributes.SQS_MANAGED_SSE_ENABLED, "false");
                attributes.putIfAbsent(QueueAttributes.KMS_DATA_KEY_REUSE_PERIOD_SECONDS, "300");
            }
        } else if ("true".equals(changes.get(QueueAttributes.SQS_MANAGED_SSE_ENABLED))) {
            attributes.remove(QueueAttributes.KMS_MASTER_KEY_ID);
            attributes.remove(QueueAttributes.KMS_DATA_KEY_REUSE_PERIOD_SECONDS);
        }
    }

    /** High throughput (per-group throughput limit) needs per-group deduplication. */
    private static void checkThroughputMode(boolean fifo, Map<String, String> merged) {
        if (fifo && "perMessageGroupId".equals(merged.get(QueueAttributes.FIFO_THROUGHPUT_LIMIT))
                && !"messageGroup".equals(merged.get(QueueAttributes.DEDUPLICATION_SCOPE))) {
            throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter "
                    + QueueAttributes.FIFO_THROUGHPUT_LIMIT + ". Reason: perMessageGroupId requires "
                    + QueueAttributes.DEDUPLICATION_SCOPE + " messageGroup.");
        }
    }

    /** A new RedrivePolicy's target must exist, be of the source's type and allow the source to use it. */
    private CompletableFuture<Void> checkRedriveTarget(CallContext call, QueueKey key, boolean fifo,
                                                       Map<String, String> changes) {
        String redrive = changes.get(QueueAttributes.REDRIVE_POLICY);
        if (redrive == null || redrive.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        RedrivePolicies.RedrivePolicy policy = RedrivePolicies.parseRedrivePolicy(redrive);
        QueueKey target = QueueUrls.parseArn(policy.deadLetterTargetArn());
        CompletableFuture<QueueRecord> deadLetter = target == null || !target.accountId().equals(key.accountId())
                || !target.region().equals(key.region())
                ? CompletableFuture.completedFuture(null) : store.queue(target).thenApply(q -> q.orElse(null));
        return deadLetter.thenAccept(queue -> {
            if (queue == null) {
                throw SqsException.invalidParameter(QueueAttributes.REDRIVE_POLICY, redrive,
                        "Dead letter target does not exist.");
            }
            if (queue.fifo() != fifo) {
                throw SqsException.invalidParameter(QueueAttributes.REDRIVE_POLICY, redrive,
                        "Dead-letter queue must be same type of queue as the source.");
            }
            String allowText = queue.attributes().get(QueueAttributes.REDRIVE_ALLOW_POLICY);
            RedrivePolicies.RedriveAllowPolicy allow = allowText == null
                    ? RedrivePolicies.RedriveAllowPolicy.ALLOW_ALL : RedrivePolicies.parseRedriveAllowPolicy(allowText);
            String sourceArn = QueueUrls.arn(key);
            if (!allow.allows(sourceArn)) {
                throw SqsException.invalidParameter(QueueAttributes.REDRIVE_POLICY, redrive, "Queue " + sourceArn
                        + " is not allowed to use " + policy.deadLetterTargetArn()
                        + " as its dead-letter queue by that queue's RedriveAllowPolicy.");
            }
        });
    }

    CompletableFuture<Void> purgeQueue(CallContext call, PurgeQueue.Request request) {
        return queues.require(call, "sqs:PurgeQueue", request.queueUrl()).thenCompose(queue -> {
            Instant now = clock.instant();
            return store.purge(queue.key(), now, now.minus(purgeInterval)).thenAccept(purged -> {
                if (!purged) {
                    throw new SqsException(ErrorCode.PURGE_QUEUE_IN_PROGRESS, "Only one PurgeQueue operation on "
                            + queue.key().name() + " is allowed every " + purgeInterval.toSeconds() + " seconds.");
                }
            });
        });
    }
}
