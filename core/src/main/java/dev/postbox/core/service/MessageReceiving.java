package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.Md5Digests;
import dev.postbox.core.MessageRules;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.RedrivePolicies;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.Waits;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * ReceiveMessage: parameters and their queue defaults, the long poll, receipt handles, attribute selection. A long
 * poll's deadline is an instant of the service's clock, kept by the caller's timer ({@link Waits#timer}).
 */
final class MessageReceiving {
    private final QueueStore store;
    private final InstantSource clock;
    private final Queues queues;
    private final ReceiptHandles receiptHandles;
    private volatile boolean closing;

    MessageReceiving(QueueStore store, InstantSource clock, Queues queues, ReceiptHandles receiptHandles) {
        this.store = store;
        this.clock = clock;
        this.queues = queues;
        this.receiptHandles = receiptHandles;
    }

    CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, ReceiveMessage.Request request) {
        return queues.require(call, "sqs:ReceiveMessage", request.queueUrl()).thenCompose(queue -> receiveMessage(call, queue, request));
    }

    private CompletableFuture<ReceiveMessage.Result> receiveMessage(CallContext call, QueueRecord queue,
                                                                    ReceiveMessage.Request request) {
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
        QueueStore.Receive receive = new QueueStore.Receive(max, Duration.ofSeconds(visibility),
                redriveOf(queue), queue.fifo() ? attemptId : null);
        Instant now = clock.instant();
        LongPoll poll = new LongPoll(call.waits(), queue, receive, systemSelection, attributeSelection,
                now.plusSeconds(wait));
        if (queue.fifo() || wait > 0) {
            poll.attempt();
            return poll.result;
        }
        return store.inFlight(queue.key(), now, Limits.MAX_IN_FLIGHT_STANDARD).thenCompose(inFlight -> {
            if (inFlight >= Limits.MAX_IN_FLIGHT_STANDARD) {
                throw new SqsException(ErrorCode.OVER_LIMIT, "Too many messages in flight: a standard queue holds at"
                        + " most " + Limits.MAX_IN_FLIGHT_STANDARD + " in-flight messages.");
            }
            poll.attempt();
            return poll.result;
        });
    }

    /**
     * One ReceiveMessage: receives; when nothing is receivable and wait time is left, asks the store to call back
     * ({@link QueueStore#whenReceivable}) and receives again, on the caller's {@link Waits#resumeOn} executor,
     * when it does. No thread waits in between. The result completes once: with messages, or empty when the
     * deadline comes or the service closes.
     */
    private final class LongPoll implements Runnable {
        private final CompletableFuture<ReceiveMessage.Result> result = new CompletableFuture<>();
        private final Waits waits;
        private final QueueRecord queue;
        private final QueueStore.Receive receive;
        private final SystemAttributeSelection systemSelection;
        private final MessageAttributeSelection attributeSelection;
        private final Instant deadline;

        LongPoll(Waits waits, QueueRecord queue, QueueStore.Receive receive, SystemAttributeSelection systemSelection,
                 MessageAttributeSelection attributeSelection, Instant deadline) {
            this.waits = waits;
            this.queue = queue;
            this.receive = receive;
            this.systemSelection = systemSelection;
            this.attributeSelection = attributeSelection;
            this.deadline = deadline;
        }

        /** The store's wake-up: may run under a store lock, so it only starts the next attempt elsewhere. */
        @Override
        public void run() {
            waits.resumeOn().execute(this::attempt);
        }

        void attempt() {
            try {
                store.receive(queue.key(), receive, clock.instant()).whenComplete((deliveries, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        received(deliveries);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }

        private void received(List<Delivery> deliveries) {
            if (!deliveries.isEmpty()) {
                List<ReceiveMessage.Message> messages = new ArrayList<>(deliveries.size());
                for (Delivery delivery : deliveries) {
                    messages.add(toMessage(queue, delivery, systemSelection, attributeSelection));
                }
                result.complete(new ReceiveMessage.Result(messages));
                return;
            }
            Instant now = clock.instant();
            if (!now.isBefore(deadline) || closing) {
                result.complete(new ReceiveMessage.Result(List.of()));
                return;
            }
            store.whenReceivable(queue.key(), deadline, now, waits.timer(), this);
        }
    }

    /** The queue's redrive policy resolved for the store, or null when it has none. */
    private static QueueStore.Redrive redriveOf(QueueRecord queue) {
        String text = queue.attributes().get(QueueAttributes.REDRIVE_POLICY);
        if (text == null) {
            return null;
        }
        RedrivePolicies.RedrivePolicy policy = RedrivePolicies.parseRedrivePolicy(text);
        QueueKey target = QueueUrls.parseArn(policy.deadLetterTargetArn());
        return target == null ? null : new QueueStore.Redrive(policy.maxReceiveCount(), target,
                QueueUrls.arn(queue.key()));
    }

    private ReceiveMessage.Message toMessage(QueueRecord queue, Delivery delivery,
                                             SystemAttributeSelection systemSelection,
                                             MessageAttributeSelection attributeSelection) {
        MessageData data = delivery.data();
        String handle = receiptHandles.encode(queue.key(), new ReceiptHandles.Receipt(queue.incarnation(),
                delivery.sequence(), delivery.receiveCount(), delivery.receivedAt()));
        Map<String, MessageAttributeValue> attributes = attributeSelection.apply(data.attributes());
        String attributesMd5 = attributes.size() == data.attributes().size()
                ? data.md5OfMessageAttributes() : Md5Digests.ofAttributes(attributes);
        return new ReceiveMessage.Message(data.messageId(), handle, data.md5OfBody(), data.body(),
                systemSelection.apply(delivery), attributesMd5, attributes);
    }

    /** Stops long polls: waiting receives return what they have (nothing) right away. */
    void close() {
        closing = true;
    }
}
