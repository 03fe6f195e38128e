package dev.postbox.core.service;

import dev.postbox.core.Limits;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.ChangeMessageVisibility;
import dev.postbox.core.api.ChangeMessageVisibilityBatch;
import dev.postbox.core.api.DeleteMessage;
import dev.postbox.core.api.DeleteMessageBatch;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;

/**
 * What a consumer says about a message it received, by receipt handle: DeleteMessage, ChangeMessageVisibility and
 * their batches.
 */
final class Acknowledgements {
    private final QueueStore store;
    private final InstantSource clock;
    private final Queues queues;
    private final ReceiptHandles receiptHandles;

    Acknowledgements(QueueStore store, InstantSource clock, Queues queues, ReceiptHandles receiptHandles) {
        this.store = store;
        this.clock = clock;
        this.queues = queues;
        this.receiptHandles = receiptHandles;
    }

    CompletableFuture<Void> deleteMessage(CallContext call, DeleteMessage.Request request) {
        return queues.require(call, "sqs:DeleteMessage", request.queueUrl()).thenCompose(queue -> delete(queue, request.receiptHandle()));
    }

    CompletableFuture<DeleteMessageBatch.Result> deleteMessageBatch(CallContext call,
                                                                    DeleteMessageBatch.Request request) {
        return queues.require(call, "sqs:DeleteMessage", request.queueUrl()).thenCompose(queue -> {
            Batches.check(request.entries(), DeleteMessageBatch.RequestEntry::id, "DeleteMessageBatchRequestEntry");
            // The valid receipts go to the store together (one step for a store that can), the others fail alone.
            Map<DeleteMessageBatch.RequestEntry, CompletableFuture<Void>> done = new HashMap<>();
            List<DeleteMessageBatch.RequestEntry> valid = new ArrayList<>();
            List<QueueStore.Receipt> receipts = new ArrayList<>();
            for (DeleteMessageBatch.RequestEntry entry : request.entries()) {
                try {
                    ReceiptHandles.Receipt receipt = decodeReceipt(queue, entry.receiptHandle());
                    valid.add(entry);
                    receipts.add(new QueueStore.Receipt(receipt.sequence(), receipt.receiveCount()));
                } catch (SqsException e) {
                    done.put(entry, CompletableFuture.failedFuture(e));
                }
            }
            List<CompletableFuture<QueueStore.DeleteOutcome>> outcomes = receipts.isEmpty()
                    ? List.of() : store.deleteAll(queue.key(), receipts, clock.instant());
            for (int i = 0; i < valid.size(); i++) {
                String receiptHandle = valid.get(i).receiptHandle();
                done.put(valid.get(i), outcomes.get(i).thenAccept(outcome -> rejectExpired(outcome, receiptHandle)));
            }
            return Batches.each(request.entries(), DeleteMessageBatch.RequestEntry::id, done::get);
        }).thenApply(outcomes -> new DeleteMessageBatch.Result(outcomes.successful(), outcomes.failed()));
    }

    /**
     * A handle of an earlier receive, or of a message already gone, succeeds without effect (AWS: "the request
     * succeeds, but the message will not be deleted"). FIFO queues reject a handle whose visibility timeout passed.
     * An invalid handle throws here; a deletion the store could not make fails the future.
     */
    private CompletableFuture<Void> delete(QueueRecord queue, String receiptHandle) {
        ReceiptHandles.Receipt receipt = decodeReceipt(queue, receiptHandle);
        return store.delete(queue.key(), receipt.sequence(), receipt.receiveCount(), clock.instant())
                .thenAccept(outcome -> rejectExpired(outcome, receiptHandle));
    }

    private static void rejectExpired(QueueStore.DeleteOutcome outcome, String receiptHandle) {
        if (outcome == QueueStore.DeleteOutcome.EXPIRED) {
            throw SqsException.invalidParameter("ReceiptHandle", receiptHandle, "The receipt handle has expired.");
        }
    }

    CompletableFuture<Void> changeMessageVisibility(CallContext call, ChangeMessageVisibility.Request request) {
        return queues.require(call, "sqs:ChangeMessageVisibility", request.queueUrl())
                .thenCompose(queue -> changeVisibility(queue, request.receiptHandle(), request.visibilityTimeout()));
    }

    CompletableFuture<ChangeMessageVisibilityBatch.Result> changeMessageVisibilityBatch(
            CallContext call, ChangeMessageVisibilityBatch.Request request) {
        return queues.require(call, "sqs:ChangeMessageVisibility", request.queueUrl()).thenCompose(queue -> {
            Batches.check(request.entries(), ChangeMessageVisibilityBatch.RequestEntry::id,
                    "ChangeMessageVisibilityBatchRequestEntry");
            return Batches.each(request.entries(), ChangeMessageVisibilityBatch.RequestEntry::id,
                    entry -> changeVisibility(queue, entry.receiptHandle(), entry.visibilityTimeout()));
        }).thenApply(outcomes -> new ChangeMessageVisibilityBatch.Result(outcomes.successful(), outcomes.failed()));
    }

    private CompletableFuture<Void> changeVisibility(QueueRecord queue, String receiptHandle,
                                                     Integer visibilityTimeout) {
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
        return store.changeVisibility(queue.key(), receipt.sequence(), receipt.receiveCount(), visibleAt, now)
                .thenAccept(changed -> {
                    if (!changed) {
                        throw SqsException.invalidParameter("ReceiptHandle", receiptHandle,
                                "Message does not exist or is not available for visibility timeout change.");
                    }
                });
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
}
