package dev.postbox.store.postgres;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Where receives start, given what earlier ones took; the scans here stand for the visibility index's. */
class ReceiveFloorsTest {
    private static final long INCARNATION = 7;
    private static final long SECOND = 1_000_000;
    private static final long NOW = 1_000 * SECOND;

    private final ReceiveFloors floors = new ReceiveFloors();
    /** Where each scan started. */
    private final List<Long> scannedFrom = new ArrayList<>();

    /** A scan that takes messages visible from these instants on (none when empty). */
    private List<Long> take(long... visibleAt) throws Exception {
        return floors.take(INCARNATION, NOW, (floor, tookFrom) -> {
            scannedFrom.add(floor);
            List<Long> taken = new ArrayList<>();
            for (long at : visibleAt) {
                if (at >= floor) {
                    tookFrom.accept(at);
                    taken.add(at);
                }
            }
            return taken;
        });
    }

    @Test
    void aQueueNobodyTookFromIsScannedFromTheHead() throws Exception {
        take(NOW - 100 * SECOND);
        assertThat(scannedFrom).containsExactly(ReceiveFloors.NONE);
    }

    @Test
    void theNextScanStartsAtTheOldestMessageTaken() throws Exception {
        take(NOW - 100 * SECOND, NOW - 90 * SECOND);
        take(NOW - 80 * SECOND);
        assertThat(scannedFrom).containsExactly(ReceiveFloors.NONE, NOW - 100 * SECOND);
        take(NOW - 70 * SECOND);
        assertThat(scannedFrom.getLast()).as("raised by a floored scan").isEqualTo(NOW - 80 * SECOND);
    }

    @Test
    void theFloorStaysAMarginBehindNow() throws Exception {
        take(NOW);
        take(NOW);
        assertThat(scannedFrom.getLast()).isEqualTo(NOW - ReceiveFloors.MARGIN.toNanos() / 1000);
    }

    @Test
    void aFlooredScanThatFindsNothingLooksFromTheHead() throws Exception {
        take(NOW - 100 * SECOND);
        scannedFrom.clear();
        List<Long> taken = take(NOW - 200 * SECOND);
        assertThat(scannedFrom).containsExactly(NOW - 100 * SECOND, ReceiveFloors.NONE);
        assertThat(taken).as("the message below the floor").containsExactly(NOW - 200 * SECOND);
        assertThat(floors.floor(INCARNATION)).as("set anew from the head").isEqualTo(NOW - 200 * SECOND);
    }

    @Test
    void anEmptyQueueHasNoFloor() throws Exception {
        take(NOW - 100 * SECOND);
        take();
        assertThat(floors.floor(INCARNATION)).isEqualTo(ReceiveFloors.NONE);
    }

    @Test
    void aDeletedQueueIsForgotten() throws Exception {
        take(NOW - 100 * SECOND);
        floors.forget(INCARNATION);
        assertThat(floors.floor(INCARNATION)).isEqualTo(ReceiveFloors.NONE);
    }
}
