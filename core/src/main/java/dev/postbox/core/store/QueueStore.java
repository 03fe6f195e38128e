package dev.postbox.core.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.UnaryOperator;

/**
 * The only door to queue state. Each method is one atomic step of SQS semantics so that a SQL store can do it in one
 * statement or transaction (see postgres-store-research.md §6); policy (validation, limits, receipt handle crypto,
 * attribute filtering, digests) stays in the core above this interface.
 *
 * <p>Time is passed in by the caller, never read from a clock here, so semantics are deterministic under test.
 * Methods that name a queue throw {@link dev.postbox.core.SqsException} with {@code QUEUE_DOES_NOT_EXIST} when it
 * does not exist (anymore).
 */
public interface QueueStore extends AutoCloseable {

    /** Creates the queue unless one with the same key exists; either way returns the queue now stored. */
    CreateOutcome createQueue(QueueRecord proposed);

    record CreateOutcome(QueueRecord queue, boolean created) {
    }

    Optional<QueueRecord> queue(QueueKey key);

    /** Queues of the account whose names start with the prefix, ordered by name. */
    List<QueueRecord> queues(String accountId, String namePrefix);

    /** Deletes the queue and all its messages; false if it did not exist. Waiting receivers are woken. */
    boolean deleteQueue(QueueKey key);

    /** Atomically replaces the queue's record with {@code change(current)}. */
    QueueRecord updateQueue(QueueKey key, UnaryOperator<QueueRecord> change);

    /**
     * Appends the messages in order; the future completes once they are stored (per the store's durability policy:
     * a durable store completes it after the group commit that holds them, on its committer thread, so nothing waits
     * for the disk in a thread of its own; a memory store returns it completed). It fails with an
     * {@code SqsException} when they could not be stored (and then none of them was).
     * On FIFO queues the store assigns sequence numbers and drops a message whose deduplication id (scoped per the
     * queue's {@code DeduplicationScope}) was accepted within the last five minutes, reporting the original instead.
     */
    CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now);

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

    /** One sent message: its id and FIFO sequence number (those of the original for a deduplicated send). */
    record Sent(String messageId, String sequenceNumber, boolean duplicate) {
    }

    /**
     * Takes up to {@code max} receivable messages, makes each invisible until {@code now + visibilityTimeout} and
     * counts the receive. Expired messages (older than the queue's retention period) are dropped, never returned.
     * FIFO queues return messages in group order and never from a group that has a message in flight.
     * With a redrive rule, a message whose receive would exceed {@code maxReceiveCount} moves to the dead-letter
     * queue instead of being returned.
     */
    List<Delivery> receive(QueueKey key, int max, Duration visibilityTimeout, Instant now, Redrive redrive);

    /**
     * A source queue's redrive policy, resolved.
     *
     * @param sourceArn the ARN recorded on moved messages as {@code DeadLetterQueueSourceArn}
     */
    record Redrive(int maxReceiveCount, QueueKey deadLetterQueue, String sourceArn) {
    }

    /**
     * Deletes the message if {@code receiveCount} names its latest receive. On FIFO queues a receipt whose
     * visibility timeout has passed is expired and deletes nothing. Like {@link #send}, the future completes once
     * the deletion is stored (a durable store: after its group commit) and the call never waits for the disk.
     */
    CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now);

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
     * {@code receiveCount} names its latest receive; the message need not be in flight any more.
     */
    boolean changeVisibility(QueueKey key, long sequence, int receiveCount, Instant visibleAt, Instant now);

    /** Deletes every message, in flight or not. */
    void purge(QueueKey key);

    QueueCounts counts(QueueKey key, Instant now);

    /**
     * Returns at once, and runs {@code wake} exactly once: when a message may be receivable, when {@code maxWait} has
     * passed, or when the queue is deleted or the store shut down (right away if one of those holds already).
     * Spurious wake-ups are allowed: callers receive again and decide. {@code wake} may run on another request's
     * thread while the store holds a lock, so it must only hand work off (start a task), never receive itself.
     * The deadline is kept by the caller's {@code timer} (see {@code Waits.timer}), which then runs {@code wake}.
     *
     * <p>A waiting long poll is this callback, not a parked thread: idle long polls cost no stacks.
     */
    void whenReceivable(QueueKey key, Duration maxWait, Instant now, ScheduledExecutorService timer, Runnable wake);

    /**
     * The key that authenticates receipt handles. A durable store keeps it with the data, so that handles issued
     * before a restart stay valid after it.
     */
    byte[] receiptHandleSecret();

    /** Wakes every waiting receiver (server shutdown). */
    void wakeAllWaiters();

    @Override
    void close();
}
