package dev.postbox.core;

import dev.postbox.core.api.AddPermission;
import dev.postbox.core.api.BatchResultErrorEntry;
import dev.postbox.core.api.CancelMessageMoveTask;
import dev.postbox.core.api.CallContext;
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
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.api.PurgeQueue;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.RemovePermission;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.SendMessageBatch;
import dev.postbox.core.api.SetQueueAttributes;
import dev.postbox.core.api.SqsApi;
import dev.postbox.core.api.StartMessageMoveTask;
import dev.postbox.core.api.TagQueue;
import dev.postbox.core.api.UntagQueue;
import dev.postbox.core.api.Waits;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongBiFunction;
import java.util.regex.Pattern;

/**
 * SQS semantics over a {@link QueueStore}: validation in AWS's order (required members, ranges, queue, content),
 * defaults from queue attributes, receipt handles, digests and attribute filtering. Holds no message state itself.
 */
public final class QueueService implements SqsApi, AutoCloseable {
    private static final Pattern STANDARD_NAME = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final Pattern FIFO_NAME = Pattern.compile("[A-Za-z0-9_-]{1,75}\\.fifo");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final int MAX_ACTIONS_PER_PERMISSION = 7;
    private static final Pattern TAG_TEXT = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");

    /**
     * @param accountId        the account that owns queues created here and that queue URLs without one refer to
     * @param queueReuseDelay  how long a deleted queue's name stays blocked (AWS: 60 s)
     * @param purgeInterval    minimum time between two purges of a queue (AWS: 60 s)
     */
    public record Settings(String accountId, Duration queueReuseDelay, Duration purgeInterval) {
        public static Settings defaults() {
            return new Settings("000000000000", Duration.ofSeconds(Limits.QUEUE_NAME_REUSE_DELAY_SECONDS),
                    Duration.ofSeconds(Limits.PURGE_INTERVAL_SECONDS));
        }
    }

    private final QueueStore store;
    private final InstantSource clock;
    private final ReceiptHandles receiptHandles;
    private final Settings settings;
    private final SecureRandom random = new SecureRandom();
    // Per-node memory of recent deletes and purges: they only guard 60-second windows.
    private final Map<QueueKey, Instant> deletedAt = new ConcurrentHashMap<>();
    private final Map<QueueKey, Instant> purgedAt = new ConcurrentHashMap<>();
    /** FIFO ReceiveRequestAttemptId: a retry within five minutes gets the same messages and handles. */
    private final Map<String, AttemptedReceive> receiveAttempts = new ConcurrentHashMap<>();
    private final MessageMoveTasks moveTasks;
    private volatile boolean closing;

    private record AttemptedReceive(ReceiveMessage.Result result, List<Delivery> deliveries, Instant expiresAt) {
    }

    public QueueService(QueueStore store, InstantSource clock, ReceiptHandles receiptHandles, Settings settings) {
        this.store = store;
        this.clock = clock;
        this.receiptHandles = receiptHandles;
        this.settings = settings;
        this.moveTasks = new MessageMoveTasks(store, clock, settings.accountId());
    }

    // ---- queues ------------------------------------------------------------------------------------------------

    @Override
    public CreateQueue.Result createQueue(CallContext call, CreateQueue.Request request) {
        String name = request.queueName();
        if (name == null || name.isEmpty()) {
            throw SqsException.missingParameter("QueueName");
        }
        Map<String, String> requested = request.attributes() == null ? Map.of() : request.attributes();
        String fifoValue = requested.get(QueueAttributes.FIFO_QUEUE);
        boolean fifo = fifoValue != null && fifoValue.trim().equalsIgnoreCase("true");
        if (name.endsWith(".fifo") != fifo && (fifo || fifoValue == null)) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "The name of a FIFO queue can only include"
                    + " alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80"
                    + " in length.");
        }
        if (!(fifo ? FIFO_NAME : STANDARD_NAME).matcher(name).matches()) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, fifo ? "The name of a FIFO queue can only"
                    + " include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1"
                    + " to 80 in length." : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80"
                    + " in length");
        }
        Map<String, String> attributes = QueueAttributes.validateSettable(requested, fifo);
        Map<String, String> tags = request.tags() == null ? Map.of() : request.tags();
        checkTags(name, tags, Map.of());
        QueueKey key = new QueueKey(settings.accountId(), name);
        Instant now = clock.instant();
        Instant deleted = deletedAt.get(key);
        if (deleted != null && now.isBefore(deleted.plus(settings.queueReuseDelay()))) {
            throw new SqsException(ErrorCode.QUEUE_DELETED_RECENTLY, "You must wait "
                    + settings.queueReuseDelay().toSeconds() + " seconds after deleting a queue before you can create"
                    + " another with the same name.");
        }
        Map<String, String> initial = fifo ? QueueAttributes.fifoDefaults() : QueueAttributes.standardDefaults();
        merge(initial, attributes);
        checkCombinedAttributes(call, key, fifo, initial, attributes);
        QueueRecord proposed = new QueueRecord(key, random.nextLong(), fifo, initial, tags, now, now);
        QueueStore.CreateOutcome outcome = store.createQueue(proposed);
        if (!outcome.created()) {
            Map<String, String> existing = outcome.queue().attributes();
            for (Map.Entry<String, String> entry : attributes.entrySet()) {
                if (!entry.getValue().equals(existing.getOrDefault(entry.getKey(), ""))) {
                    throw new SqsException(ErrorCode.QUEUE_NAME_EXISTS, "A queue already exists with the same name"
                            + " and a different value for attribute " + entry.getKey());
                }
            }
        }
        return new CreateQueue.Result(QueueUrls.url(call.baseUrl(), key));
    }

    @Override
    public GetQueueUrl.Result getQueueUrl(CallContext call, GetQueueUrl.Request request) {
        if (request.queueName() == null || request.queueName().isEmpty()) {
            throw SqsException.missingParameter("QueueName");
        }
        String account = request.queueOwnerAwsAccountId() == null || request.queueOwnerAwsAccountId().isEmpty()
                ? settings.accountId() : request.queueOwnerAwsAccountId();
        QueueKey key = new QueueKey(account, request.queueName());
        store.queue(key).orElseThrow(SqsException::queueDoesNotExist);
        return new GetQueueUrl.Result(QueueUrls.url(call.baseUrl(), key));
    }

    @Override
    public ListQueues.Result listQueues(CallContext call, ListQueues.Request request) {
        String prefix = request.queueNamePrefix() == null ? "" : request.queueNamePrefix();
        Page page = page(call, store.queues(settings.accountId(), prefix), request.maxResults(), request.nextToken());
        return new ListQueues.Result(page.urls(), page.nextToken());
    }

    private record Page(List<String> urls, String nextToken) {
    }

    /**
     * One page of queue URLs from queues ordered by name: {@code MaxResults} 1..1000 (1000 when absent), resuming
     * after the name in {@code NextToken}; a next token only when {@code MaxResults} was given and more remain (AWS).
     */
    private static Page page(CallContext call, List<QueueRecord> queues, Integer maxResults, String nextToken) {
        if (maxResults != null && (maxResults < 1 || maxResults > Limits.MAX_LIST_QUEUES_RESULTS)) {
            throw SqsException.invalidParameter("MaxResults", maxResults,
                    "MaxResults must be an integer between 1 and 1000.");
        }
        String after = nextToken == null || nextToken.isEmpty() ? null : decodeNextToken(nextToken);
        int limit = maxResults == null ? Limits.MAX_LIST_QUEUES_RESULTS : maxResults;
        List<String> urls = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (QueueRecord queue : queues) {
            if (after != null && queue.key().name().compareTo(after) <= 0) {
                continue;
            }
            if (urls.size() == limit) {
                more = true;
                break;
            }
            urls.add(QueueUrls.url(call.baseUrl(), queue.key()));
            last = queue.key().name();
        }
        return new Page(urls, more && maxResults != null ? encodeNextToken(last) : null);
    }

    private static String encodeNextToken(String lastName) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("after:" + lastName)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeNextToken(String token) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith("after:")) {
                return decoded.substring("after:".length());
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw SqsException.invalidParameter("NextToken", token, "Invalid NextToken value.");
    }

    @Override
    public void deleteQueue(CallContext call, DeleteQueue.Request request) {
        QueueKey key = requireQueue(request.queueUrl()).key();
        if (!store.deleteQueue(key)) {
            throw SqsException.queueDoesNotExist();
        }
        Instant now = clock.instant();
        deletedAt.values().removeIf(at -> at.plus(settings.queueReuseDelay()).isBefore(now));
        deletedAt.put(key, now);
        purgedAt.remove(key);
    }

    @Override
    public GetQueueAttributes.Result getQueueAttributes(CallContext call, GetQueueAttributes.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        List<String> names = request.attributeNames() == null ? List.of() : request.attributeNames();
        for (String name : names) {
            if (!QueueAttributes.KNOWN.contains(name)) {
                throw QueueAttributes.unknown(name);
            }
        }
        boolean all = names.contains(QueueAttributes.ALL);
        Map<String, String> result = new LinkedHashMap<>();
        QueueCounts counts = null;
        for (String name : all ? QueueAttributes.KNOWN.stream().sorted().toList() : names) {
            String value = switch (name) {
                case QueueAttributes.QUEUE_ARN -> QueueUrls.arn(call.region(), queue.key());
                case QueueAttributes.CREATED_TIMESTAMP -> Long.toString(queue.createdAt().getEpochSecond());
                case QueueAttributes.LAST_MODIFIED_TIMESTAMP -> Long.toString(queue.lastModifiedAt().getEpochSecond());
                case QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES,
                     QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                     QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED -> {
                    if (counts == null) {
                        counts = store.counts(queue.key(), clock.instant());
                    }
                    yield Long.toString(switch (name) {
                        case QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES -> counts.visible();
                        case QueueAttributes.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE -> counts.inFlight();
                        default -> counts.delayed();
                    });
                }
                default -> queue.attributes().get(name);
            };
            if (value != null) {
                result.put(name, value);
            }
        }
        return new GetQueueAttributes.Result(result);
    }

    @Override
    public void setQueueAttributes(CallContext call, SetQueueAttributes.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        if (request.attributes() == null || request.attributes().isEmpty()) {
            throw SqsException.missingParameter("Attributes");
        }
        Map<String, String> changes = QueueAttributes.validateSettable(request.attributes(), queue.fifo());
        Instant now = clock.instant();
        store.updateQueue(queue.key(), current -> {
            Map<String, String> merged = new LinkedHashMap<>(current.attributes());
            merge(merged, changes);
            checkCombinedAttributes(call, current.key(), current.fifo(), merged, changes);
            return current.withAttributes(merged, now);
        });
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

    /** Rules that span attributes or queues: throughput mode, and the redrive target of a new RedrivePolicy. */
    private void checkCombinedAttributes(CallContext call, QueueKey key, boolean fifo, Map<String, String> merged,
                                         Map<String, String> changes) {
        if (fifo && "perMessageGroupId".equals(merged.get(QueueAttributes.FIFO_THROUGHPUT_LIMIT))
                && !"messageGroup".equals(merged.get(QueueAttributes.DEDUPLICATION_SCOPE))) {
            throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter "
                    + QueueAttributes.FIFO_THROUGHPUT_LIMIT + ". Reason: perMessageGroupId requires "
                    + QueueAttributes.DEDUPLICATION_SCOPE + " messageGroup.");
        }
        String redrive = changes.get(QueueAttributes.REDRIVE_POLICY);
        if (redrive == null || redrive.isEmpty()) {
            return;
        }
        RedrivePolicies.RedrivePolicy policy = RedrivePolicies.parseRedrivePolicy(redrive);
        QueueKey target = QueueUrls.parseArn(policy.deadLetterTargetArn(), call.region());
        QueueRecord deadLetter = target == null || !target.accountId().equals(key.accountId()) ? null
                : store.queue(target).orElse(null);
        if (deadLetter == null) {
            throw SqsException.invalidParameter(QueueAttributes.REDRIVE_POLICY, redrive,
                    "Dead letter target does not exist.");
        }
        if (deadLetter.fifo() != fifo) {
            throw SqsException.invalidParameter(QueueAttributes.REDRIVE_POLICY, redrive,
                    "Dead-letter queue must be same type of queue as the source.");
        }
        String allowText = deadLetter.attributes().get(QueueAttributes.REDRIVE_ALLOW_POLICY);
        RedrivePolicies.RedriveAllowPolicy allow = allowText == null
                ? RedrivePolicies.RedriveAllowPolicy.ALLOW_ALL : RedrivePolicies.parseRedriveAllowPolicy(allowText);
        String sourceArn = QueueUrls.arn(call.region(), key);
        if (!allow.allows(sourceArn)) {
            throw SqsException.invalidParameter(QueueAttributes.REDRIVE_POLICY, redrive, "Queue " + sourceArn
                    + " is not allowed to use " + policy.deadLetterTargetArn()
                    + " as its dead-letter queue by that queue's RedriveAllowPolicy.");
        }
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

    @Override
    public void purgeQueue(CallContext call, PurgeQueue.Request request) {
        QueueKey key = requireQueue(request.queueUrl()).key();
        Instant now = clock.instant();
        Instant last = purgedAt.get(key);
        if (last != null && now.isBefore(last.plus(settings.purgeInterval()))) {
            throw new SqsException(ErrorCode.PURGE_QUEUE_IN_PROGRESS, "Only one PurgeQueue operation on " + key.name()
                    + " is allowed every " + settings.purgeInterval().toSeconds() + " seconds.");
        }
        purgedAt.put(key, now);
        store.purge(key);
    }

    // ---- tags --------------------------------------------------------------------------------------------------

    @Override
    public void tagQueue(CallContext call, TagQueue.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        if (request.tags() == null || request.tags().isEmpty()) {
            throw SqsException.missingParameter("Tags");
        }
        checkTags(queue.key().name(), request.tags(), queue.tags());
        store.updateQueue(queue.key(), current -> {
            Map<String, String> merged = new LinkedHashMap<>(current.tags());
            merged.putAll(request.tags());
            checkTags(current.key().name(), Map.of(), merged);
            return current.withTags(merged);
        });
    }

    @Override
    public void untagQueue(CallContext call, UntagQueue.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        if (request.tagKeys() == null || request.tagKeys().isEmpty()) {
            throw SqsException.missingParameter("TagKeys");
        }
        store.updateQueue(queue.key(), current -> {
            Map<String, String> remaining = new LinkedHashMap<>(current.tags());
            request.tagKeys().forEach(remaining::remove);
            return current.withTags(remaining);
        });
    }

    @Override
    public ListQueueTags.Result listQueueTags(CallContext call, ListQueueTags.Request request) {
        return new ListQueueTags.Result(requireQueue(request.queueUrl()).tags());
    }

    private static void checkTags(String queueName, Map<String, String> added, Map<String, String> existing) {
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

    // ---- sending -----------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<SendMessage.Result> sendMessage(CallContext call, SendMessage.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        if (queue.fifo()) {
            if (request.messageGroupId() == null) {
                throw SqsException.missingParameter("MessageGroupId");
            }
            checkFifoDeduplication(queue, request.messageDeduplicationId());
        }
        Instant now = clock.instant();
        NewMessage message = prepare(call, queue, now, false, request.messageBody(), request.delaySeconds(),
                request.messageAttributes(), request.messageSystemAttributes(), request.messageDeduplicationId(),
                request.messageGroupId());
        MessageData data = message.data();
        return store.send(queue.key(), List.of(message), now).thenApply(sent -> new SendMessage.Result(
                sent.getFirst().messageId(), data.md5OfBody(), data.md5OfMessageAttributes(),
                Md5Digests.ofAttributes(data.systemAttributes()), sent.getFirst().sequenceNumber()));
    }

    @Override
    public CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call,
                                                                       SendMessageBatch.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        Batches.check(request.entries(), SendMessageBatch.RequestEntry::id, "SendMessageBatchRequestEntry");
        OptionalLong oversized = oversizedPayload(request.entries());
        if (oversized.isPresent()) {
            throw new SqsException(ErrorCode.BATCH_REQUEST_TOO_LONG, "Batch requests cannot be longer than "
                    + Limits.MAX_BATCH_PAYLOAD_BYTES + " bytes. You have sent " + oversized.getAsLong() + " bytes.");
        }
        if (queue.fifo()) {
            // On FIFO queues these fail the whole request, not the entry (AWS).
            for (SendMessageBatch.RequestEntry entry : request.entries()) {
                if (entry.messageGroupId() == null) {
                    throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE,
                            "The request must contain the parameter MessageGroupId.");
                }
                checkFifoDeduplication(queue, entry.messageDeduplicationId());
            }
        }
        Instant now = clock.instant();
        List<NewMessage> accepted = new ArrayList<>();
        List<String> acceptedIds = new ArrayList<>();
        List<BatchResultErrorEntry> failed = new ArrayList<>();
        for (SendMessageBatch.RequestEntry entry : request.entries()) {
            try {
                accepted.add(prepare(call, queue, now, true, entry.messageBody(), entry.delaySeconds(),
                        entry.messageAttributes(), entry.messageSystemAttributes(), entry.messageDeduplicationId(),
                        entry.messageGroupId()));
                acceptedIds.add(entry.id());
            } catch (SqsException e) {
                failed.add(Batches.failure(entry.id(), e));
            }
        }
        CompletableFuture<List<QueueStore.Sent>> stored = accepted.isEmpty()
                ? CompletableFuture.completedFuture(List.of()) : store.send(queue.key(), accepted, now);
        return stored.thenApply(sent -> {
            List<SendMessageBatch.ResultEntry> successful = new ArrayList<>();
            for (int i = 0; i < accepted.size(); i++) {
                MessageData data = accepted.get(i).data();
                successful.add(new SendMessageBatch.ResultEntry(acceptedIds.get(i), sent.get(i).messageId(),
                        data.md5OfBody(), data.md5OfMessageAttributes(),
                        Md5Digests.ofAttributes(data.systemAttributes()), sent.get(i).sequenceNumber()));
            }
            return new SendMessageBatch.Result(successful, failed);
        });
    }

    /** The batch's counted size if it is over the limit; measured only when its bound is (see MessageRules). */
    private static OptionalLong oversizedPayload(List<SendMessageBatch.RequestEntry> entries) {
        if (total(entries, MessageRules::sizeBound) <= Limits.MAX_BATCH_PAYLOAD_BYTES) {
            return OptionalLong.empty();
        }
        long size = total(entries, MessageRules::size);
        return size > Limits.MAX_BATCH_PAYLOAD_BYTES ? OptionalLong.of(size) : OptionalLong.empty();
    }

    private static long total(List<SendMessageBatch.RequestEntry> entries,
                              ToLongBiFunction<String, Map<String, MessageAttributeValue>> measure) {
        long total = 0;
        for (SendMessageBatch.RequestEntry entry : entries) {
            total += measure.applyAsLong(orEmpty(entry.messageBody()), orEmpty(entry.messageAttributes()));
        }
        return total;
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }

    private static void checkFifoDeduplication(QueueRecord queue, String deduplicationId) {
        if (deduplicationId == null
                && !"true".equals(queue.attributes().get(QueueAttributes.CONTENT_BASED_DEDUPLICATION))) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "The queue should either have"
                    + " ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
        }
    }

    private NewMessage prepare(CallContext call, QueueRecord queue, Instant now, boolean inBatch, String body,
                               Integer delaySeconds, Map<String, MessageAttributeValue> attributes,
                               Map<String, MessageAttributeValue> systemAttributes, String deduplicationId,
                               String groupId) {
        MessageRules.checkBody(body);
        if (delaySeconds != null && (delaySeconds < 0 || delaySeconds > Limits.MAX_DELAY_SECONDS)) {
            throw SqsException.invalidParameter("DelaySeconds", delaySeconds,
                    "DelaySeconds must be >= 0 and <= " + Limits.MAX_DELAY_SECONDS + ".");
        }
        if (queue.fifo() && delaySeconds != null && delaySeconds != 0) {
            throw SqsException.invalidParameter("DelaySeconds", delaySeconds,
                    "The request include parameter that is not valid for this queue type.");
        }
        attributes = orEmpty(attributes);
        systemAttributes = orEmpty(systemAttributes);
        MessageRules.checkAttributes(attributes);
        MessageRules.checkSystemAttributes(systemAttributes);
        int maximumSize = queue.intAttribute(QueueAttributes.MAXIMUM_MESSAGE_SIZE);
        if (MessageRules.exceeds(body, attributes, maximumSize)) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "One or more parameters "
                    + (inBatch ? "cannot be validated" : "are invalid") + ". Reason: Message must be shorter than "
                    + maximumSize + " bytes.");
        }
        if (groupId != null) {
            MessageRules.checkId("MessageGroupId", groupId);
        }
        if (deduplicationId != null) {
            if (!queue.fifo()) {
                throw SqsException.invalidParameter("MessageDeduplicationId", deduplicationId,
                        "The request include parameter that is not valid for this queue type.");
            }
            MessageRules.checkId("MessageDeduplicationId", deduplicationId);
        } else if (queue.fifo()) {
            deduplicationId = sha256Hex(body); // ContentBasedDeduplication: attributes are not part of it
        }
        int delay = delaySeconds != null ? delaySeconds : queue.intAttribute(QueueAttributes.DELAY_SECONDS);
        MessageData data = new MessageData(UUID.randomUUID().toString(), body, Md5Digests.ofBody(body), attributes,
                Md5Digests.ofAttributes(attributes), systemAttributes, call.callerId(), now, groupId, deduplicationId,
                null);
        return NewMessage.sent(data, now.plusSeconds(delay));
    }

    private static String sha256Hex(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    private static <V> Map<String, V> orEmpty(Map<String, V> map) {
        return map == null ? Map.of() : map;
    }

    // ---- receiving ---------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, ReceiveMessage.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        int max = request.maxNumberOfMessages() == null ? 1 : request.maxNumberOfMessages();
        if (max < 1 || max > Limits.MAX_RECEIVE_MESSAGES) {
            throw SqsException.invalidParameter("MaxNumberOfMessages", max, "Must be between 1 and 10, if provided.");
        }
        int visibility = request.visibilityTimeout() == null
                ? queue.intAttribute(QueueAttributes.VISIBILITY_TIMEOUT) : request.visibilityTimeout();
        if (visibility < 0 || visibility > Limits.MAX_VISIBILITY_TIMEOUT_SECONDS) {
            throw SqsException.invalidParameter("VisibilityTimeout", visibility,
                    "Must be >= 0 and <= " + Limits.MAX_VISIBILITY_TIMEOUT_SECONDS + ", if provided.");
        }
        int wait = request.waitTimeSeconds() == null
                ? queue.intAttribute(QueueAttributes.RECEIVE_MESSAGE_WAIT_TIME_SECONDS) : request.waitTimeSeconds();
        if (wait < 0 || wait > Limits.MAX_WAIT_TIME_SECONDS) {
            throw SqsException.invalidParameter("WaitTimeSeconds", wait, "Must be >= 0 and <= 20, if provided.");
        }
        SystemAttributeSelection systemSelection = SystemAttributeSelection.of(request.messageSystemAttributeNames());
        MessageAttributeSelection attributeSelection = MessageAttributeSelection.of(request.messageAttributeNames());
        String attemptId = request.receiveRequestAttemptId();
        if (attemptId != null) {
            MessageRules.checkId("ReceiveRequestAttemptId", attemptId);
        }
        QueueKey key = queue.key();
        String attemptKey = queue.fifo() && attemptId != null
                ? key + "\u0000" + queue.incarnation() + "\u0000" + attemptId : null;
        if (attemptKey != null) {
            ReceiveMessage.Result repeated = repeatAttempt(key, attemptKey, visibility);
            if (repeated != null) {
                return CompletableFuture.completedFuture(repeated);
            }
        }
        if (!queue.fifo() && wait == 0
                && store.counts(key, clock.instant()).inFlight() >= Limits.MAX_IN_FLIGHT_STANDARD) {
            throw new SqsException(ErrorCode.OVER_LIMIT, "Too many messages in flight: a standard queue holds at most "
                    + Limits.MAX_IN_FLIGHT_STANDARD + " in-flight messages.");
        }
        long deadlineNanos = System.nanoTime() + Duration.ofSeconds(wait).toNanos();
        LongPoll poll = new LongPoll(call.waits(), queue, max, Duration.ofSeconds(visibility),
                redriveOf(call, queue), systemSelection, attributeSelection, attemptKey, deadlineNanos);
        poll.attempt();
        return poll.result;
    }

    /**
     * One ReceiveMessage: receives; when nothing is receivable and wait time is left, asks the store to call back
     * ({@link QueueStore#whenReceivable}) and receives again, on the caller's {@link Waits#resumeOn} executor,
     * when it does. No thread waits in between. The result completes once: with messages, or empty when the wait
     * passes or the service closes.
     */
    private final class LongPoll implements Runnable {
        private final CompletableFuture<ReceiveMessage.Result> result = new CompletableFuture<>();
        private final Waits waits;
        private final QueueRecord queue;
        private final int max;
        private final Duration visibility;
        private final QueueStore.Redrive redrive;
        private final SystemAttributeSelection systemSelection;
        private final MessageAttributeSelection attributeSelection;
        private final String attemptKey;
        private final long deadlineNanos;

        LongPoll(Waits waits, QueueRecord queue, int max, Duration visibility, QueueStore.Redrive redrive,
                 SystemAttributeSelection systemSelection, MessageAttributeSelection attributeSelection,
                 String attemptKey, long deadlineNanos) {
            this.waits = waits;
            this.queue = queue;
            this.max = max;
            this.visibility = visibility;
            this.redrive = redrive;
            this.systemSelection = systemSelection;
            this.attributeSelection = attributeSelection;
            this.attemptKey = attemptKey;
            this.deadlineNanos = deadlineNanos;
        }

        /** The store's wake-up: may run under a store lock, so it only starts the next attempt elsewhere. */
        @Override
        public void run() {
            waits.resumeOn().execute(this::attemptOrFail);
        }

        private void attemptOrFail() {
            try {
                attempt();
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        void attempt() {
            Instant now = clock.instant();
            List<Delivery> deliveries = store.receive(queue.key(), max, visibility, now, redrive);
            if (!deliveries.isEmpty()) {
                List<ReceiveMessage.Message> messages = new ArrayList<>(deliveries.size());
                for (Delivery delivery : deliveries) {
                    messages.add(toMessage(queue, delivery, now, systemSelection, attributeSelection));
                }
                ReceiveMessage.Result received = new ReceiveMessage.Result(messages);
                if (attemptKey != null) {
                    receiveAttempts.values().removeIf(a -> a.expiresAt().isBefore(now));
                    receiveAttempts.put(attemptKey, new AttemptedReceive(received, deliveries,
                            now.plus(Limits.DEDUPLICATION_INTERVAL)));
                }
                result.complete(received);
                return;
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0 || closing) {
                result.complete(new ReceiveMessage.Result(List.of()));
                return;
            }
            store.whenReceivable(queue.key(), Duration.ofNanos(remaining), now, waits.timer(), this);
        }
    }

    /**
     * A FIFO receive retried with the same attempt id within five minutes returns the same messages and receipt
     * handles, with their visibility timeout reset, as long as none of them was deleted or received again.
     */
    private ReceiveMessage.Result repeatAttempt(QueueKey key, String attemptKey, int visibility) {
        AttemptedReceive attempt = receiveAttempts.get(attemptKey);
        Instant now = clock.instant();
        if (attempt == null || attempt.expiresAt().isBefore(now)) {
            return null;
        }
        for (Delivery delivery : attempt.deliveries()) {
            if (!store.changeVisibility(key, delivery.sequence(), delivery.receiveCount(),
                    now.plusSeconds(visibility), now)) {
                receiveAttempts.remove(attemptKey);
                return null;
            }
        }
        return attempt.result();
    }

    /** The queue's redrive policy resolved for the store, or null when it has none. */
    private static QueueStore.Redrive redriveOf(CallContext call, QueueRecord queue) {
        String text = queue.attributes().get(QueueAttributes.REDRIVE_POLICY);
        if (text == null) {
            return null;
        }
        RedrivePolicies.RedrivePolicy policy = RedrivePolicies.parseRedrivePolicy(text);
        QueueKey target = QueueUrls.parseArn(policy.deadLetterTargetArn(), call.region());
        return target == null ? null : new QueueStore.Redrive(policy.maxReceiveCount(), target,
                QueueUrls.arn(call.region(), queue.key()));
    }

    private ReceiveMessage.Message toMessage(QueueRecord queue, Delivery delivery, Instant now,
                                             SystemAttributeSelection systemSelection,
                                             MessageAttributeSelection attributeSelection) {
        MessageData data = delivery.data();
        String handle = receiptHandles.encode(queue.key(), new ReceiptHandles.Receipt(queue.incarnation(),
                delivery.sequence(), delivery.receiveCount(), now));
        Map<String, MessageAttributeValue> attributes = attributeSelection.apply(data.attributes());
        String attributesMd5 = attributes.size() == data.attributes().size()
                ? data.md5OfMessageAttributes() : Md5Digests.ofAttributes(attributes);
        return new ReceiveMessage.Message(data.messageId(), handle, data.md5OfBody(), data.body(),
                systemSelection.apply(delivery), attributesMd5, attributes);
    }

    // ---- deleting and visibility -------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> deleteMessage(CallContext call, DeleteMessage.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        return delete(queue, request.receiptHandle());
    }

    @Override
    public CompletableFuture<DeleteMessageBatch.Result> deleteMessageBatch(CallContext call,
                                                                           DeleteMessageBatch.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        Batches.check(request.entries(), DeleteMessageBatch.RequestEntry::id, "DeleteMessageBatchRequestEntry");
        // Every entry's deletion is submitted before any is awaited: a durable store commits them together.
        List<CompletableFuture<BatchResultErrorEntry>> outcomes = new ArrayList<>();
        for (DeleteMessageBatch.RequestEntry entry : request.entries()) {
            CompletableFuture<Void> deleted;
            try {
                deleted = delete(queue, entry.receiptHandle());
            } catch (SqsException e) {
                deleted = CompletableFuture.failedFuture(e);
            }
            outcomes.add(deleted.handle((done, failure) -> failure == null ? null
                    : Batches.failure(entry.id(), entryFailure(failure))));
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(all -> {
            List<String> successful = new ArrayList<>();
            List<BatchResultErrorEntry> failed = new ArrayList<>();
            for (int i = 0; i < outcomes.size(); i++) {
                BatchResultErrorEntry failure = outcomes.get(i).join();
                if (failure == null) {
                    successful.add(request.entries().get(i).id());
                } else {
                    failed.add(failure);
                }
            }
            return new DeleteMessageBatch.Result(successful, failed);
        });
    }

    /** The SQS error that fails one entry of a batch; anything else fails the whole request (as when thrown). */
    private static SqsException entryFailure(Throwable failure) {
        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
        if (cause instanceof SqsException e) {
            return e;
        }
        throw failure instanceof CompletionException c ? c : new CompletionException(cause);
    }

    /**
     * A handle of an earlier receive, or of a message already gone, succeeds without effect (AWS: "the request
     * succeeds, but the message will not be deleted"). FIFO queues reject a handle whose visibility timeout passed.
     * An invalid handle throws here; a deletion the store could not make fails the future.
     */
    private CompletableFuture<Void> delete(QueueRecord queue, String receiptHandle) {
        ReceiptHandles.Receipt receipt = decodeReceipt(queue, receiptHandle);
        return store.delete(queue.key(), receipt.sequence(), receipt.receiveCount(), clock.instant())
                .thenAccept(outcome -> {
                    if (outcome == QueueStore.DeleteOutcome.EXPIRED) {
                        throw SqsException.invalidParameter("ReceiptHandle", receiptHandle,
                                "The receipt handle has expired.");
                    }
                });
    }

    @Override
    public void changeMessageVisibility(CallContext call, ChangeMessageVisibility.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        changeVisibility(queue, request.receiptHandle(), request.visibilityTimeout());
    }

    @Override
    public ChangeMessageVisibilityBatch.Result changeMessageVisibilityBatch(
            CallContext call, ChangeMessageVisibilityBatch.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        Batches.check(request.entries(), ChangeMessageVisibilityBatch.RequestEntry::id,
                "ChangeMessageVisibilityBatchRequestEntry");
        List<String> successful = new ArrayList<>();
        List<BatchResultErrorEntry> failed = new ArrayList<>();
        for (ChangeMessageVisibilityBatch.RequestEntry entry : request.entries()) {
            try {
                changeVisibility(queue, entry.receiptHandle(), entry.visibilityTimeout());
                successful.add(entry.id());
            } catch (SqsException e) {
                failed.add(Batches.failure(entry.id(), e));
            }
        }
        return new ChangeMessageVisibilityBatch.Result(successful, failed);
    }

    private void changeVisibility(QueueRecord queue, String receiptHandle, Integer visibilityTimeout) {
        if (visibilityTimeout == null) {
            throw SqsException.missingParameter("VisibilityTimeout");
        }
        if (visibilityTimeout < 0 || visibilityTimeout > Limits.MAX_VISIBILITY_TIMEOUT_SECONDS) {
            throw SqsException.invalidParameter("VisibilityTimeout", visibilityTimeout,
                    "VisibilityTimeout must be an integer between 0 and " + Limits.MAX_VISIBILITY_TIMEOUT_SECONDS + ".");
        }
        ReceiptHandles.Receipt receipt = decodeReceipt(queue, receiptHandle);
        Instant now = clock.instant();
        Instant visibleAt = now.plusSeconds(visibilityTimeout);
        if (visibleAt.isAfter(receipt.receivedAt().plusSeconds(Limits.MAX_VISIBILITY_TIMEOUT_SECONDS))) {
            throw SqsException.invalidParameter("VisibilityTimeout", visibilityTimeout,
                    "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
        }
        if (!store.changeVisibility(queue.key(), receipt.sequence(), receipt.receiveCount(), visibleAt, now)) {
            throw SqsException.invalidParameter("ReceiptHandle", receiptHandle,
                    "Message does not exist or is not available for visibility timeout change.");
        }
    }

    private ReceiptHandles.Receipt decodeReceipt(QueueRecord queue, String receiptHandle) {
        if (receiptHandle == null || receiptHandle.isEmpty()) {
            throw SqsException.missingParameter("ReceiptHandle");
        }
        ReceiptHandles.Receipt receipt = receiptHandles.decode(queue.key(), receiptHandle);
        if (receipt.incarnation() != queue.incarnation()) {
            throw ReceiptHandles.invalid(receiptHandle);
        }
        return receipt;
    }

    // ---- permissions, dead-letter sources, move tasks --------------------------------------------------------

    @Override
    public void addPermission(CallContext call, AddPermission.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        String label = request.label();
        if (label == null || label.isEmpty()) {
            throw SqsException.missingParameter("Label");
        }
        if (!LABEL.matcher(label).matches()) {
            throw SqsException.invalidParameter("Label", label, "Can only include alphanumeric characters, hyphens,"
                    + " or underscores. 1 to 80 in length");
        }
        List<String> accounts = request.awsAccountIds() == null ? List.of() : request.awsAccountIds();
        List<String> actions = request.actions() == null ? List.of() : request.actions();
        if (accounts.isEmpty()) {
            throw SqsException.missingParameter("AWSAccountIds");
        }
        if (actions.isEmpty()) {
            throw SqsException.missingParameter("Actions");
        }
        if (actions.size() > MAX_ACTIONS_PER_PERMISSION) {
            throw new SqsException(ErrorCode.OVER_LIMIT, actions.size() + " Actions were found, maximum allowed is "
                    + MAX_ACTIONS_PER_PERMISSION + ".");
        }
        for (String action : actions) {
            if (!QueuePolicies.PERMISSION_ACTIONS.contains(action)) {
                throw SqsException.invalidParameter("ActionName", "SQS:" + action,
                        "Please refer to the appropriate WSDL for a list of valid actions.");
            }
        }
        for (String account : accounts) {
            if (!account.matches("\\d{12}")) {
                throw SqsException.invalidParameter("AWSAccountId", account, "An account id is 12 digits.");
            }
        }
        Instant now = clock.instant();
        store.updateQueue(queue.key(), current -> withPolicy(current, QueuePolicies.addPermission(
                current.attributes().get(QueueAttributes.POLICY), QueueUrls.arn(call.region(), current.key()),
                label, accounts, actions), now));
    }

    @Override
    public void removePermission(CallContext call, RemovePermission.Request request) {
        QueueRecord queue = requireQueue(request.queueUrl());
        if (request.label() == null || request.label().isEmpty()) {
            throw SqsException.missingParameter("Label");
        }
        Instant now = clock.instant();
        store.updateQueue(queue.key(), current -> withPolicy(current, QueuePolicies.removePermission(
                current.attributes().get(QueueAttributes.POLICY), request.label()), now));
    }

    private static QueueRecord withPolicy(QueueRecord queue, String policy, Instant now) {
        Map<String, String> attributes = new LinkedHashMap<>(queue.attributes());
        if (policy == null) {
            attributes.remove(QueueAttributes.POLICY);
        } else {
            attributes.put(QueueAttributes.POLICY, policy);
        }
        return queue.withAttributes(attributes, now);
    }

    @Override
    public ListDeadLetterSourceQueues.Result listDeadLetterSourceQueues(CallContext call,
                                                                        ListDeadLetterSourceQueues.Request request) {
        QueueRecord deadLetter = requireQueue(request.queueUrl());
        String deadLetterArn = QueueUrls.arn(call.region(), deadLetter.key());
        List<QueueRecord> sources = store.queues(deadLetter.key().accountId(), "").stream().filter(queue -> {
            String redrive = queue.attributes().get(QueueAttributes.REDRIVE_POLICY);
            return redrive != null
                    && deadLetterArn.equals(RedrivePolicies.parseRedrivePolicy(redrive).deadLetterTargetArn());
        }).toList();
        Page page = page(call, sources, request.maxResults(), request.nextToken());
        return new ListDeadLetterSourceQueues.Result(page.urls(), page.nextToken());
    }

    @Override
    public StartMessageMoveTask.Result startMessageMoveTask(CallContext call, StartMessageMoveTask.Request request) {
        return moveTasks.start(call, request);
    }

    @Override
    public ListMessageMoveTasks.Result listMessageMoveTasks(CallContext call, ListMessageMoveTasks.Request request) {
        return moveTasks.list(call, request);
    }

    @Override
    public CancelMessageMoveTask.Result cancelMessageMoveTask(CallContext call, CancelMessageMoveTask.Request request) {
        return moveTasks.cancel(call, request);
    }

    // ---- common ------------------------------------------------------------------------------------------------

    private QueueRecord requireQueue(String queueUrl) {
        if (queueUrl == null || queueUrl.isEmpty()) {
            throw SqsException.missingParameter("QueueUrl");
        }
        return store.queue(QueueUrls.parse(queueUrl, settings.accountId()))
                .orElseThrow(SqsException::queueDoesNotExist);
    }

    /** Stops long polls: waiting receives return what they have (nothing) right away. */
    @Override
    public void close() {
        closing = true;
        moveTasks.close();
        store.wakeAllWaiters();
    }
}
