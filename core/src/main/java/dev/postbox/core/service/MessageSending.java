package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.Md5Digests;
import dev.postbox.core.MessageRules;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.BatchResultErrorEntry;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.SendMessageBatch;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongBiFunction;

/** SendMessage and SendMessageBatch: message rules, FIFO send rules, digests, delays. */
final class MessageSending {
    private final QueueStore store;
    private final InstantSource clock;
    private final Queues queues;

    MessageSending(QueueStore store, InstantSource clock, Queues queues) {
        this.store = store;
        this.clock = clock;
        this.queues = queues;
    }

    CompletableFuture<SendMessage.Result> sendMessage(CallContext call, SendMessage.Request request) {
        return queues.require(call, "sqs:SendMessage", request.queueUrl()).thenCompose(queue -> {
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
                    Md5Digests.ofAttributes(orEmpty(request.messageSystemAttributes())),
                    sent.getFirst().sequenceNumber()));
        });
    }

    CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call, SendMessageBatch.Request request) {
        return queues.require(call, "sqs:SendMessage", request.queueUrl()).thenCompose(queue -> sendMessageBatch(call, queue, request));
    }

    private CompletableFuture<SendMessageBatch.Result> sendMessageBatch(CallContext call, QueueRecord queue,
                                                                        SendMessageBatch.Request request) {
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
        List<SendMessageBatch.RequestEntry> acceptedEntries = new ArrayList<>();
        List<BatchResultErrorEntry> failed = new ArrayList<>();
        for (SendMessageBatch.RequestEntry entry : request.entries()) {
            try {
                accepted.add(prepare(call, queue, now, true, entry.messageBody(), entry.delaySeconds(),
                        entry.messageAttributes(), entry.messageSystemAttributes(), entry.messageDeduplicationId(),
                        entry.messageGroupId()));
                acceptedEntries.add(entry);
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
                SendMessageBatch.RequestEntry entry = acceptedEntries.get(i);
                successful.add(new SendMessageBatch.ResultEntry(entry.id(), sent.get(i).messageId(),
                        data.md5OfBody(), data.md5OfMessageAttributes(),
                        Md5Digests.ofAttributes(orEmpty(entry.messageSystemAttributes())),
                        sent.get(i).sequenceNumber()));
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

    private static <V> Map<String, V> orEmpty(Map<String, V> map) {
        return map == null ? Map.of() : map;
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
        // On FIFO queues a message has no delay of its own (only 0 is allowed), so it always gets the queue's (AWS).
        int delay = delaySeconds != null && !queue.fifo() ? delaySeconds
                : queue.intAttribute(QueueAttributes.DELAY_SECONDS);
        MessageData data = new MessageData(UUID.randomUUID().toString(), body, Md5Digests.ofBody(body), attributes,
                Md5Digests.ofAttributes(attributes), withTraceHeader(systemAttributes, call.traceHeader()),
                call.callerId(), now, groupId, deduplicationId, null);
        return NewMessage.sent(data, now.plusSeconds(delay));
    }

    /**
     * The caller's trace header becomes the message's {@code AWSTraceHeader} unless the message names one itself
     * (AWS: the system attribute wins). The send's digest of system attributes still covers only those the request
     * carried: that is what SDKs check it against.
     */
    private static Map<String, MessageAttributeValue> withTraceHeader(Map<String, MessageAttributeValue> explicit,
                                                                      String traceHeader) {
        if (traceHeader == null || traceHeader.isEmpty() || explicit.containsKey(MessageRules.AWS_TRACE_HEADER)
                || !MessageRules.hasOnlyAllowedCharacters(traceHeader)) {
            return explicit;
        }
        Map<String, MessageAttributeValue> all = new java.util.LinkedHashMap<>(explicit);
        all.put(MessageRules.AWS_TRACE_HEADER, new MessageAttributeValue("String", traceHeader, null, null, null));
        return all;
    }

    private static String sha256Hex(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
