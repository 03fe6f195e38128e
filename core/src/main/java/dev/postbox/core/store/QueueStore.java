package dev.postbox.core.store;

import dev.postbox.core.time.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;

/**
 * The only door to queue state. Each method is one atomic step of SQS semantics so that a SQL store can do it in one
 * statement or transaction (see postgres-store-research.md §6); policy (validation, limits, receipt handle crypto,
 * attribute filtering, digests) stays in the core above this interface. Every piece of SQS state lives behind it:
 * queues, messages, FIFO deduplication windows, {@code ReceiveRequestAttemptId} results, the name-reuse and purge
 * windows, and message move tasks; the core above keeps none, so that several nodes can share one store.
 *
 * <p><b>Threading: no method blocks its caller.</b> Whatever needs the disk, the network or a commit returns a
 * {@link CompletableFuture} that the store completes on a thread of its own (a memory store returns completed
 * futures); so every method may be called from an event loop. A future that fails carries an
 * {@link dev.postbox.core.SqsException}: {@code QUEUE_DOES_NOT_EXIST} when the queue named does not exist (anymore),
 * the retryable {@code SERVICE_UNAVAILABLE} when the store could not make the change (and then made none of it).
 * Callbacks handed in ({@code change} functions, {@code wake}) may run on a store thread, under a store lock.
 *
 * <p>Time is passed in by the caller, never read from a clock here, so semantics are deterministic under test;
 * timers come from the caller too.
 */
public interface QueueStore extends AutoCloseable {

    // ---- queues --------------------------------------------------------------------------------------------------

    /**
     * Creates the queue unless a queue with the same key exists ({@link CreateOutcome.Status#EXISTS}, with the stored
     * queue) or one was deleted after {@code nameFreeSince} ({@link CreateOutcome.Status#NAME_RECENTLY_DELETED}: the
     * name-reuse window).
     */
    CompletableFuture<CreateOutcome> createQueue(QueueRecord proposed, Instant nameFreeSince);

    record CreateOutcome(QueueRecord queue, Status status) {
        public enum Status { CREATED, EXISTS, NAME_RECENTLY_DELETED }
    }

    CompletableFuture<Optional<QueueRecord>> queue(QueueKey key);

    /** Queues of the account in the region whose names start with the prefix, ordered by name. */
    CompletableFuture<List<QueueRecord>> queues(String region, String accountId, String namePrefix);

    /**
     * Up to {@code limit} of the queue's messages whose sequence is after {@code afterSequence}, in sequence (send)
     * order, as they are at {@code now}: nothing changes, no receive count, no visibility (the console's browser).
     * Messages past retention are not shown. An unknown queue fails with {@code QueueDoesNotExist}.
     */
    CompletableFuture<List<PeekedMessage>> peek(QueueKey key, long afterSequence, int limit, Instant now);

    /** Every queue of every account and region (what the metrics report on), in no particular order. */
    CompletableFuture<List<QueueRecord>> allQueues();

    /**
     * Deletes the queue and all its messages, and remembers {@code now} for the name-reuse window; false if it did not
     * exist. Waiting receivers are woken.
     */
    CompletableFuture<Boolean> deleteQueue(QueueKey key, Instant now);

    /** Atomically replaces the queue's record with {@code change(current)}; {@code change} may throw to refuse. */
    CompletableFuture<QueueRecord> updateQueue(QueueKey key, UnaryOperator<QueueRecord> change);

    // ---- messages ------------------------------------------------------------------------------------------------

    /**
     * Appends the messages in order; the future completes once they are stored (per the store's durability policy:
     * a durable store completes it after the commit that holds them). If they could not be stored, none of them was.
     * On FIFO queues the store assigns sequence numbers and drops a message whose deduplication id (scoped per the
     * queue's {@code DeduplicationScope}) was accepted within the last five minutes, reporting the original instead.
     */
    CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now);

    /** One sent message: its id and FIFO sequence number (those of the original for a deduplicated send). */
    record Sent(String messageId, String sequenceNumber, boolean duplicate) {
    }

    /**
     * Takes up to {@code max} receivable messages, makes each invisible until {@code now + visibilityTimeout} and
     * counts the receive. Expired messages (older than the queue's retention period) are dropped, never returned.
     * FIFO queues return messages in group order and never from a group that has a message in flight.
     * With a redrive rule, a message whose receive would exceed {@code maxReceiveCount} moves to the dead-letter
     * queue instead of being returned (the future completes once it is there).
     *
     * <p>With an {@code attemptId} (FIFO {@code ReceiveRequestAttemptId}): if a receive with the same id handed out
     * messages within the last five minutes and each of them is still at that receive (not deleted, not received
     * again), the same deliveries come back, their visibility reset to {@code now + visibilityTimeout}; otherwise this
     * is a new receive, remembered under the id when it hands out anything.
     */
    CompletableFuture<List<Delivery>> receive(QueueKey key, Receive receive, Instant now);

    /**
     * What a receive asks for.
     *
     * @param redrive   the source queue's redrive rule, or null
     * @param attemptId the receive's attempt id (FIFO queues), or null
     */
    record Receive(int max, Duration visibilityTimeout, Redrive redrive, String attemptId) {
        public static Receive of(int max, Duration visibilityTimeout) {
            return new Receive(max, visibilityTimeout, null, null);
        }
    }

    /**
     * A source queue's redrive policy, resolved.
     *
     * @param sourceArn the ARN recorded on moved messages as {@code DeadLetterQueueSourceArn}
     */
    record Redrive(int maxReceiveCount, QueueKey deadLetterQueue, String sourceArn) {
    }

    /**
     * Deletes the message if {@code receiveCount} names its latest receive. On FIFO queues a receipt whose
     * visibility timeout has passed is expired and deletes nothing.
     */
    CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now);

    /** A receive a delete names: the message and the receive count of that receive. */
    record Receipt(long sequence, int receiveCount) {
    }

    /**
     * Deletes several messages, each as {@link #delete} would, and answers one future per receipt, in order. A store
     * that can do them in one step overrides this (a SQL store: one transaction, one commit); they then complete
     * together.
     */
    default List<CompletableFuture<DeleteOutcome>> deleteAll(QueueKey key, List<Receipt> receipts, Instant now) {
        return receipts.stream().map(r -> delete(key, r.sequence(), r.receiveCount(), now)).toList();
    }

    enum DeleteOutcome {
        DELETED,
        /** The message was received again since; it stays. */
        STALE_RECEIPT,
        /** FIFO: the receipt's visibility timeout passed; the message stays. */
        EXPIRED,
        /** No such message (deleted, purged or expired). */
        NOT_FOUND
    }

    /**
     * Makes the message invisible until {@code visibleAt} (visible now if not after {@code now}) if
     * {@code receiveCount} names its latest receive (the message need not be in flight any more), or names an earlier
     * receive while the message is in flight (AWS accepts such a receipt). False otherwise, and for a deleted message.
     */
    CompletableFuture<Boolean> changeVisibility(QueueKey key, long sequence, int receiveCount, Instant visibleAt,
                                                Instant now);

    /**
     * Deletes every message, in flight or not, unless the queue was purged after {@code notPurgedSince} (the purge
     * window): then it does nothing and answers false.
     */
    CompletableFuture<Boolean> purge(QueueKey key, Instant now, Instant notPurgedSince);

    CompletableFuture<QueueCounts> counts(QueueKey key, Instant now);

    /**
     * How many of the queue's messages are in flight, counted up to {@code atMost}: a short poll only needs to know
     * whether the in-flight limit is reached, and a store that has to count rows should not count the whole queue
     * for it.
     */
    default CompletableFuture<Long> inFlight(QueueKey key, Instant now, long atMost) {
        return counts(key, now).thenApply(counts -> Math.min(counts.inFlight(), atMost));
    }

    /**
     * Returns at once, and runs {@code wake} exactly once: when a message may be receivable, when the {@code timer}'s
     * clock reaches {@code deadline}, or when the queue is deleted or the store shut down (right away if one of those
     * holds already: within this call, or, for a store that must ask its database, on a thread of its own just after
     * it, without the clock moving). Spurious wake-ups are allowed: callers receive again and decide. {@code wake} may run on another
     * request's thread while the store holds a lock, so it must only hand work off, never receive itself. The store
     * keeps the deadline, and the alarm for a message that becomes visible while polls wait, on the caller's timer.
     *
     * <p>A waiting long poll is this callback, not a parked thread: idle long polls cost no stacks.
     */
    void whenReceivable(QueueKey key, Instant deadline, Instant now, Timer timer, Runnable wake);

    // ---- message move tasks --------------------------------------------------------------------------------------

    /** Records a new RUNNING task unless its source has an active one (then empty); a source keeps its last ten. */
    CompletableFuture<Optional<MoveTask>> startMoveTask(MoveTask task);

    /** The source's tasks, most recently started first (at most ten). */
    CompletableFuture<List<MoveTask>> moveTasks(String sourceArn);

    /** Atomically replaces the task with {@code change(current)}; empty when the store no longer has it. */
    CompletableFuture<Optional<MoveTask>> updateMoveTask(String sourceArn, String taskId,
                                                         UnaryOperator<MoveTask> change);

    /** Every RUNNING or CANCELLING task: what a service resumes when it starts. */
    CompletableFuture<List<MoveTask>> activeMoveTasks();

    // ---- the store -----------------------------------------------------------------------------------------------

    /**
     * The key that authenticates receipt handles. A durable store keeps it with the data, so that handles issued
     * before a restart stay valid after it.
     */
    byte[] receiptHandleSecret();

    /** Wakes every waiting receiver (server shutdown). */
    void wakeAllWaiters();

    @Override
    void close();

    /**
     * Waits for a store's future, for callers with a thread to spare (move tasks, tests): its result, or the
     * {@code RuntimeException} (an {@code SqsException}, say) it failed with.
     */
    static <T> T await(CompletableFuture<T> pending) {
        try {
            return pending.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
