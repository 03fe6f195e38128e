package dev.postbox.store.postgres;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * Where this node's receives of a standard queue start scanning the visibility index.
 *
 * <p>Why: a receive moves a message's index entry from its old {@code visible_at} to the end of the index, and the
 * old entry stays at the head until VACUUM removes it (autovacuum visits a database at most once a minute by
 * default). A scan from the head walks every receive's leftover since then: measured, a drain's receive read 46
 * buffers at the start and 400 after 50,000 messages, and it only grows under constant churn. A floor lets the scan
 * start past them.
 *
 * <p>The floor is the oldest {@code visible_at} a receive took, never later than its "now" minus {@link #MARGIN}.
 * Below the oldest it took the scan saw only dead rows, rows other receives held, and rows not yet committed; and
 * every write sets {@code visible_at} to its own "now" or later (a send, a delay, a receive's visibility timeout, a
 * visibility change). So what a floored scan can miss is a row written by a statement whose "now" was more than
 * {@link #MARGIN} before its commit (a slow send or receive, a node whose clock is behind) and a row held by a
 * receive that rolled back. A scan from the head finds those: every {@link #RESCAN_EVERY}, and whenever the floored
 * scan finds nothing (so an empty answer is always a full look, and a long poll never waits on a straggler; receives
 * that went together, decision 0017, share one scan: a share that came out empty was answered by a scan that found
 * others).
 *
 * <p>The floor's age is real time, like the queue cache's: it bounds how long a straggler waits, not an SQS
 * semantic.
 */
final class ReceiveFloors {
    /** No floor: scan from the head. */
    static final long NONE = Long.MIN_VALUE;
    static final Duration RESCAN_EVERY = Duration.ofSeconds(1);
    static final Duration MARGIN = Duration.ofSeconds(1);
    /** Beyond this many queues the floors start over rather than grow (a scan from the head sets one again). */
    private static final int MAX_ENTRIES = 10_000;

    private record Floor(long visibleAtMicros, long setAtNanos) {
    }

    private final Map<Long, Floor> floors = new ConcurrentHashMap<>();

    /** A receive's scan of the visibility index. */
    @FunctionalInterface
    interface Scan<T> {
        /**
         * The messages taken scanning from {@code floor} ({@link #NONE}: from the head); reports to {@code tookFrom}
         * each one's {@code visible_at} before it was taken.
         */
        List<T> from(long floor, LongConsumer tookFrom) throws SQLException;
    }

    /** Scans from the queue's floor, and from the head when that finds nothing; the floor learns what it took. */
    <T> List<T> take(long incarnation, long nowMicros, Scan<T> scan) throws SQLException {
        long floor = floor(incarnation);
        List<T> taken = scanFrom(incarnation, floor, nowMicros, scan);
        if (taken.isEmpty() && floor != NONE) {
            taken = scanFrom(incarnation, NONE, nowMicros, scan);
        }
        return taken;
    }

    private <T> List<T> scanFrom(long incarnation, long floor, long nowMicros, Scan<T> scan) throws SQLException {
        long[] oldest = {Long.MAX_VALUE};
        List<T> taken = scan.from(floor, visibleAt -> oldest[0] = Math.min(oldest[0], visibleAt));
        found(incarnation, floor, taken.isEmpty() ? NONE : oldest[0], nowMicros);
        return taken;
    }

    /** Where a receive of this queue incarnation starts, or {@link #NONE}: scan from the head. */
    long floor(long incarnation) {
        Floor floor = floors.get(incarnation);
        if (floor == null || System.nanoTime() - floor.setAtNanos() > RESCAN_EVERY.toNanos()) {
            return NONE;
        }
        return floor.visibleAtMicros();
    }

    /**
     * What a receive found, scanning from {@code scannedFrom}: the oldest {@code visible_at} it took, or
     * {@link #NONE} when it took nothing.
     */
    private void found(long incarnation, long scannedFrom, long oldestTakenMicros, long nowMicros) {
        if (oldestTakenMicros == NONE) {
            if (scannedFrom == NONE) {
                floors.remove(incarnation); // an empty queue: nothing to skip, the next scan starts at the head
            }
            return;
        }
        long floor = Math.min(oldestTakenMicros, nowMicros - MARGIN.toNanos() / 1000);
        if (scannedFrom == NONE) {
            if (floors.size() >= MAX_ENTRIES) {
                floors.clear();
            }
            floors.put(incarnation, new Floor(floor, System.nanoTime()));
        } else {
            // From a floored scan: raise it, but keep its age (a scan from the head is due on the first one's clock).
            floors.computeIfPresent(incarnation, (key, current) -> floor > current.visibleAtMicros()
                    ? new Floor(floor, current.setAtNanos()) : current);
        }
    }

    /** The queue incarnation is gone. */
    void forget(long incarnation) {
        floors.remove(incarnation);
    }
}
