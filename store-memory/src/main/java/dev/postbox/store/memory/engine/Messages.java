package dev.postbox.store.memory.engine;

import dev.postbox.core.store.PeekedMessage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongConsumer;

import static dev.postbox.store.memory.engine.StoredMessage.State.DELAYED;
import static dev.postbox.store.memory.engine.StoredMessage.State.IN_FLIGHT;
import static dev.postbox.store.memory.engine.StoredMessage.State.VISIBLE;

/**
 * A queue's messages and their states; guarded by the queue's lock ({@link MemoryQueue} calls in under it).
 *
 * <p>Design: every message is in {@link #bySequence} and {@link #byAge}, and is VISIBLE (indexed by the queue's
 * {@link VisibleOrder}) or DELAYED or IN_FLIGHT (both in {@link #pending}, ordered by the instant it becomes
 * visible). No timer exists per message: operations first drop messages past retention from the old end of
 * {@code byAge} ({@link #sweepExpired}) and make due pending messages visible ({@link #promoteDue}).
 *
 * <p>Cold messages ({@link Payloads#IN_STORE}, standard queues): a never-received visible message is two longs in
 * its tenant's deques in the {@link FairOrder} and in neither map, until a receive reaches it and it is materialised.
 *
 * <p>Invariants: {@code bySequence.size() == byAge.size() == visible + pending.size()} and
 * {@code pending.size() == inFlight + delayed}; cold messages are counted by the FairOrder alone.
 */
final class Messages {
    // Written out rather than composed (Comparator.comparing(..).thenComparingLong(..)): every insert compares
    // ~log2(n) times under the queue lock, and the composed lambdas showed as ~3% of a raw send's CPU.
    private static final Comparator<StoredMessage> BY_VISIBLE_AT = (a, b) -> {
        int byInstant = a.visibleAt.compareTo(b.visibleAt);
        return byInstant != 0 ? byInstant : Long.compare(a.sequence, b.sequence);
    };
    private static final Comparator<StoredMessage> BY_AGE = (a, b) -> {
        int byInstant = a.retainedFrom.compareTo(b.retainedFrom);
        return byInstant != 0 ? byInstant : Long.compare(a.sequence, b.sequence);
    };

    private final Map<Long, StoredMessage> bySequence = new HashMap<>();
    private final TreeSet<StoredMessage> byAge = new TreeSet<>(BY_AGE);
    private final TreeSet<StoredMessage> pending = new TreeSet<>(BY_VISIBLE_AT);
    private final VisibleOrder order;
    /** The same object as {@link #order} on standard queues (cold messages); null on FIFO queues. */
    private final FairOrder fairOrder;
    private long visible;
    private long inFlight;
    private long delayed;

    Messages(boolean fifo) {
        if (fifo) {
            this.order = new FifoOrder();
            this.fairOrder = null;
        } else {
            this.fairOrder = new FairOrder(this::materialize);
            this.order = fairOrder;
        }
    }

    /** A cold message's turn has come: it becomes an indexed VISIBLE message. */
    private StoredMessage materialize(long sequence, String groupId, long retainedFromMillis) {
        StoredMessage message = new StoredMessage(sequence, null, groupId, null,
                Instant.ofEpochMilli(retainedFromMillis), 0, null);
        bySequence.put(sequence, message);
        byAge.add(message);
        message.state = VISIBLE;
        visible++;
        return message;
    }

    StoredMessage get(long sequence) {
        return bySequence.get(sequence);
    }

    /**
     * The message, materialized first if it is cold (never received, its place not yet in memory after a restart):
     * what a delete by sequence needs. Null when there is no such message.
     */
    StoredMessage getOrMaterialize(long sequence) {
        StoredMessage message = bySequence.get(sequence);
        return message != null || fairOrder == null ? message : fairOrder.materializeCold(sequence);
    }

    /** A new message: DELAYED until {@code visibleAt}, or VISIBLE now. */
    void add(StoredMessage message, Instant visibleAt, Instant now) {
        bySequence.put(message.sequence, message);
        byAge.add(message);
        order.added(message);
        if (visibleAt.isAfter(now)) {
            toPending(message, DELAYED, visibleAt);
        } else {
            makeVisible(message);
        }
    }

    /** A new visible, never-received message of a standard queue kept cold; sequences ascend per tenant. */
    void addCold(long sequence, String groupId, Instant retainedFrom) {
        fairOrder.addCold(sequence, groupId, retainedFrom.toEpochMilli());
    }

    /**
     * A message put back from a store's records: IN_FLIGHT when it was received and its visibility timeout has not
     * passed, DELAYED when not yet due, else VISIBLE.
     */
    void restore(StoredMessage message, Instant visibleAt, Instant now) {
        bySequence.put(message.sequence, message);
        byAge.add(message);
        order.added(message);
        if (visibleAt.isAfter(now)) {
            boolean received = message.receiveCount > 0;
            toPending(message, received ? IN_FLIGHT : DELAYED, visibleAt);
            if (received) {
                // It entered in flight without a take: the order must count it (a FIFO group stays locked),
                // just as for a visibility change of a visible message.
                order.leftVisible(message);
            }
        } else {
            makeVisible(message);
        }
    }

    /** Takes up to {@code max} VISIBLE messages out of the receivable order; each must then be hidden, released or dropped. */
    List<StoredMessage> take(int max) {
        List<StoredMessage> taken = order.take(max);
        for (StoredMessage message : taken) {
            visible--;
            message.state = IN_FLIGHT;
        }
        return taken;
    }

    /** A taken message stays in flight until {@code visibleAt}. */
    void hide(StoredMessage taken, Instant visibleAt) {
        taken.state = null;
        toPending(taken, IN_FLIGHT, visibleAt);
    }

    /** A taken message is visible again at once (a receive with visibility timeout zero). */
    void release(StoredMessage taken) {
        order.settled(taken);
        makeVisible(taken);
    }

    /** A taken message leaves the queue (to a dead-letter queue). */
    void drop(StoredMessage taken) {
        order.settled(taken);
        forget(taken, IN_FLIGHT);
    }

    /**
     * Makes the message invisible until {@code visibleAt}, or visible now when that is not after {@code now}; whatever
     * its state but DELAYED. Returns whether it became visible.
     */
    boolean changeVisibility(StoredMessage message, Instant visibleAt, Instant now) {
        boolean hide = visibleAt.isAfter(now);
        if (message.state == IN_FLIGHT) {
            unpend(message);
            if (hide) {
                toPending(message, IN_FLIGHT, visibleAt);
                return false;
            }
            order.settled(message);
            makeVisible(message);
            return true;
        }
        if (message.state == VISIBLE && hide) {
            visible--;
            message.state = null;
            order.leftVisible(message);
            toPending(message, IN_FLIGHT, visibleAt);
        }
        return false;
    }

    /** Removes the message from the queue, whatever its state. */
    void remove(StoredMessage message) {
        StoredMessage.State was = message.state;
        if (was == VISIBLE) {
            visible--;
        } else {
            unpend(message);
            if (was == IN_FLIGHT) {
                order.settled(message);
            }
        }
        forget(message, was);
    }

    void clear() {
        bySequence.clear();
        byAge.clear();
        pending.clear();
        order.clear();
        visible = 0;
        inFlight = 0;
        delayed = 0;
    }

    /** Removes every message up to the given sequence (messages sent after a purge began stay). */
    void removeUpTo(long lastSequence) {
        bySequence.values().stream().filter(m -> m.sequence <= lastSequence).toList().forEach(this::remove);
        if (fairOrder != null) {
            fairOrder.purgeColdUpTo(lastSequence);
        }
    }

    /** Drops every message whose retention started at or before {@code oldestAllowed}, reporting each. */
    void sweepExpired(Instant oldestAllowed, LongConsumer expired) {
        while (!byAge.isEmpty() && !byAge.first().retainedFrom.isAfter(oldestAllowed)) {
            StoredMessage oldest = byAge.first();
            remove(oldest);
            expired.accept(oldest.sequence);
        }
        if (fairOrder != null) {
            fairOrder.expireCold(oldestAllowed.toEpochMilli(), expired);
        }
    }

    /** The first {@code limit} messages (indexed or cold) after {@code afterSequence}, in sequence order. */
    List<PeekedMessage> peek(long afterSequence, int limit) {
        java.util.TreeMap<Long, PeekedMessage> first = new java.util.TreeMap<>();
        for (StoredMessage message : bySequence.values()) {
            if (message.sequence > afterSequence && message.state != null) {
                keepFirst(first, limit, new PeekedMessage(message.data, message.sequence, message.sequenceNumber,
                        message.retainedFrom, message.state == VISIBLE ? null : message.visibleAt,
                        message.receiveCount, message.firstReceivedAt));
            }
        }
        if (fairOrder != null) {
            fairOrder.forEachCold((sequence, retainedFromMillis) -> {
                if (sequence > afterSequence) {
                    keepFirst(first, limit, new PeekedMessage(null, sequence, null,
                            Instant.ofEpochMilli(retainedFromMillis), null, 0, null));
                }
            });
        }
        return new ArrayList<>(first.values());
    }

    private static void keepFirst(java.util.TreeMap<Long, PeekedMessage> first, int limit, PeekedMessage message) {
        if (first.size() < limit) {
            first.put(message.sequence(), message);
        } else if (limit > 0 && message.sequence() < first.lastKey()) {
            first.pollLastEntry();
            first.put(message.sequence(), message);
        }
    }

    /** When the oldest message's retention began (indexed or cold), or null when there is none. */
    Instant oldestRetainedFrom() {
        Instant oldest = byAge.isEmpty() ? null : byAge.first().retainedFrom;
        if (fairOrder != null) {
            long cold = fairOrder.oldestColdRetainedFromMillis();
            if (cold != Long.MAX_VALUE && (oldest == null || cold < oldest.toEpochMilli())) {
                oldest = Instant.ofEpochMilli(cold);
            }
        }
        return oldest;
    }

    /** Makes every pending message whose instant has come visible. */
    void promoteDue(Instant now) {
        while (!pending.isEmpty() && !pending.first().visibleAt.isAfter(now)) {
            StoredMessage message = pending.first();
            StoredMessage.State was = message.state;
            unpend(message);
            if (was == IN_FLIGHT) {
                order.settled(message);
            }
            makeVisible(message);
        }
    }

    /** When the earliest DELAYED or IN_FLIGHT message becomes visible; null when none is. */
    Instant earliestPending() {
        return pending.isEmpty() ? null : pending.first().visibleAt;
    }

    /** Whether a receive would get something now. */
    boolean hasReceivable() {
        return order.hasReceivable();
    }

    long visibleCount() {
        return visible + (fairOrder == null ? 0 : fairOrder.coldCount());
    }

    long inFlightCount() {
        return inFlight;
    }

    long delayedCount() {
        return delayed;
    }

    /** Checks the invariants of the class comment. */
    boolean invariantHolds() {
        long pendingInFlight = pending.stream().filter(m -> m.state == IN_FLIGHT).count();
        long visibleStates = bySequence.values().stream().filter(m -> m.state == VISIBLE).count();
        boolean orderConsistent = order instanceof FifoOrder fifo ? fifo.consistent()
                : fairOrder.visibleCount() == visible;
        return bySequence.size() == byAge.size() && bySequence.size() == visible + pending.size()
                && pending.size() == inFlight + delayed && pendingInFlight == inFlight
                && visibleStates == visible && orderConsistent;
    }

    private void makeVisible(StoredMessage message) {
        message.state = VISIBLE;
        message.visibleAt = null;
        visible++;
        order.becameVisible(message);
    }

    private void toPending(StoredMessage message, StoredMessage.State state, Instant visibleAt) {
        message.state = state;
        message.visibleAt = visibleAt;
        pending.add(message);
        if (state == IN_FLIGHT) {
            inFlight++;
        } else {
            delayed++;
        }
    }

    /** Takes a DELAYED or IN_FLIGHT message out of pending; its state stays as it was for the caller to read. */
    private void unpend(StoredMessage message) {
        pending.remove(message);
        if (message.state == IN_FLIGHT) {
            inFlight--;
        } else {
            delayed--;
        }
    }

    private void forget(StoredMessage message, StoredMessage.State lastState) {
        bySequence.remove(message.sequence);
        byAge.remove(message);
        order.removed(message, lastState);
        message.state = null;
    }
}
