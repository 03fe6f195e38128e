package dev.postbox.store.rocksdb.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commit log on a real directory, small segments. "Crash" = closing the log without a checkpoint: what is on
 * disk is exactly what was appended (every test syncs what it needs as the committer does).
 */
class CommitLogTest {
    private static final int SEGMENT = 64 << 10;

    @TempDir
    Path directory;

    private final List<String> replayed = new ArrayList<>();
    private int checkpointsAsked;

    private CommitLog open(long appliedLsn) throws IOException {
        replayed.clear();
        return CommitLog.open(directory, SEGMENT, appliedLsn,
                (lsn, payload) -> replayed.add(lsn + ":" + new String(payload, StandardCharsets.UTF_8)),
                () -> checkpointsAsked++);
    }

    private static void append(CommitLog log, String payload) throws IOException {
        log.append(payload.getBytes(StandardCharsets.UTF_8));
        log.sync();
    }

    private static String big(String tag) {
        return tag + "-" + "x".repeat(20_000); // three fit in a 64 KiB segment
    }

    @Test
    void aNewLogStartsAtLsnOneAndReplaysNothing() throws IOException {
        try (CommitLog log = open(0)) {
            assertThat(log.nextLsn()).isEqualTo(1);
            assertThat(log.replayed()).isZero();
        }
        assertThat(replayed).isEmpty();
    }

    @Test
    void afterACrashEveryRecordAboveWhatTheStoreHoldsIsReplayedInOrder() throws IOException {
        try (CommitLog log = open(0)) {
            for (int i = 1; i <= 5; i++) {
                append(log, "r" + i);
            }
        }
        try (CommitLog log = open(2)) {
            assertThat(replayed).containsExactly("3:r3", "4:r4", "5:r5");
            assertThat(log.nextLsn()).isEqualTo(6);
        }
    }

    @Test
    void recordsAcrossSegmentsReplayInLsnOrderAndAFilledSegmentAsksForACheckpoint() throws IOException {
        try (CommitLog log = open(0)) {
            for (int i = 1; i <= 8; i++) {
                append(log, big("r" + i));
            }
            assertThat(checkpointsAsked).isPositive();
        }
        assertThat(segmentFiles()).hasSizeGreaterThanOrEqualTo(3);
        try (CommitLog log = open(0)) {
            assertThat(replayed).hasSize(8);
            for (int i = 1; i <= 8; i++) {
                assertThat(replayed.get(i - 1)).startsWith(i + ":r" + i + "-");
            }
            assertThat(log.nextLsn()).isEqualTo(9);
        }
    }

    @Test
    void aTornLastRecordEndsTheLogAndItsLsnIsWrittenAgain() throws IOException {
        try (CommitLog log = open(0)) {
            append(log, "r1");
            append(log, "r2");
        }
        Path segment = segmentFiles().getFirst();
        long secondRecordPayload = 2L * CommitLog.HEADER_BYTES + "r1".length();
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), secondRecordPayload); // half-written: CRC fails
        }
        try (CommitLog log = open(0)) {
            assertThat(replayed).containsExactly("1:r1");
            assertThat(log.nextLsn()).isEqualTo(2);
            append(log, "r2 again");
        }
        try (CommitLog log = open(0)) {
            assertThat(replayed).containsExactly("1:r1", "2:r2 again");
        }
    }

    @Test
    void reclaimedSegmentsAreNeverReplayedAndTheirOldRecordsNeverPassForNewOnes() throws IOException {
        try (CommitLog log = open(0)) {
            for (int i = 1; i <= 5; i++) {
                append(log, big("old" + i)); // segment A: 1-3, segment B: 4-5
            }
            log.reclaimThrough(3); // what a checkpoint does once RocksDB holds 1-3: A becomes a spare
            for (int i = 6; i <= 7; i++) {
                append(log, big("new" + i)); // 6 fills B; 7 goes to the reused A, over old1
            }
        }
        try (CommitLog log = open(3)) {
            // A still holds old2 and old3 after new7; they belong to A's earlier use and are not replayed.
            assertThat(replayed).extracting(r -> r.substring(0, r.indexOf('-')))
                    .containsExactly("4:old4", "5:old5", "6:new6", "7:new7");
            assertThat(log.nextLsn()).isEqualTo(8);
        }
    }

    @Test
    void filesThatAreNotSegmentsAreLeftAlone() throws IOException {
        Files.writeString(directory.resolve("segment-x.log"), "not a segment");
        Files.writeString(directory.resolve("README"), "notes");
        try (CommitLog log = open(0)) {
            append(log, "r1");
        }
        try (CommitLog log = open(0)) {
            assertThat(replayed).containsExactly("1:r1");
        }
        assertThat(Files.readString(directory.resolve("segment-x.log"))).isEqualTo("not a segment");
    }

    @Test
    void aDiscardedRecordIsOverwrittenByTheNextAppend() throws IOException {
        try (CommitLog log = open(0)) {
            append(log, "r1");
            append(log, "failed to apply");
            log.discardLast();
            assertThat(log.nextLsn()).isEqualTo(2);
            append(log, "r2");
        }
        try (CommitLog log = open(0)) {
            assertThat(replayed).containsExactly("1:r1", "2:r2");
        }
    }

    @Test
    void aLeftOverRecordWithTheVeryLsnTheChainExpectsIsStillNotReplayed() throws IOException {
        // Fsync policy interval and a machine crash can lose a record yet keep the one after it.
        try (CommitLog log = open(0)) {
            log.append("a".getBytes(StandardCharsets.UTF_8));
            log.append("bb".getBytes(StandardCharsets.UTF_8));
            log.append("ccc".getBytes(StandardCharsets.UTF_8));
            log.sync();
        }
        Path segment = segmentFiles().getFirst();
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), 2L * CommitLog.HEADER_BYTES + 1); // "bb" lost
        }
        String sameSizeAsTheFirstTwo = "y".repeat(1 + CommitLog.HEADER_BYTES + 2);
        try (CommitLog log = open(0)) {
            assertThat(replayed).containsExactly("1:a");
            log.reclaimThrough(1); // the recovery checkpoint: the segment is a spare, reused at once
            append(log, sameSizeAsTheFirstTwo); // LSN 2, ending exactly where the old LSN 3 ("ccc") starts
        }
        try (CommitLog log = open(1)) {
            assertThat(replayed).containsExactly("2:" + sameSizeAsTheFirstTwo);
            assertThat(log.nextLsn()).isEqualTo(3);
        }
    }

    @Test
    void aCleanCheckpointLeavesNothingToReplayAndLsnsContinueFromTheStore() throws IOException {
        try (CommitLog log = open(0)) {
            for (int i = 1; i <= 4; i++) {
                append(log, big("r" + i));
            }
            log.retireActive();
            log.reclaimThrough(4);
        }
        try (CommitLog log = open(4)) {
            assertThat(replayed).isEmpty();
            assertThat(log.nextLsn()).isEqualTo(5);
            append(log, "r5");
        }
        try (CommitLog log = open(4)) {
            assertThat(replayed).containsExactly("5:r5");
        }
    }

    @Test
    void aSpareIsWrittenInFullAndTakenAtTheNextSwitch() throws IOException {
        try (CommitLog log = open(0)) {
            append(log, "r1");
            log.ensureSpare();
            List<Path> before = segmentFiles();
            assertThat(before).hasSize(2);
            assertThat(Files.size(before.get(1))).isEqualTo(SEGMENT);
            for (int i = 2; i <= 4; i++) {
                append(log, big("r" + i)); // the switch takes the spare instead of creating a file
            }
            assertThat(segmentFiles()).isEqualTo(before);
        }
    }

    @Test
    void aRecordLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
        String large = "L".repeat(3 * SEGMENT);
        try (CommitLog log = open(0)) {
            append(log, "r1");
            append(log, large);
            append(log, "r3");
        }
        try (CommitLog log = open(0)) {
            assertThat(replayed).containsExactly("1:r1", "2:" + large, "3:r3");
        }
    }

    @Test
    void segmentsWrittenUnderAnotherSizeKeepTheirOwn() throws IOException {
        try (CommitLog log = CommitLog.open(directory, 4 * SEGMENT, 0, (lsn, payload) -> { }, () -> { })) {
            for (int i = 1; i <= 6; i++) {
                append(log, big("r" + i)); // all six in the first, larger segment
            }
        }
        try (CommitLog log = open(0)) {
            assertThat(replayed).hasSize(6);
            assertThat(log.nextLsn()).isEqualTo(7);
            log.reclaimThrough(6);
            for (int i = 7; i <= 9; i++) {
                append(log, big("r" + i)); // into the reused larger segment
            }
        }
        replayed.clear();
        try (CommitLog log = CommitLog.open(directory, 16 * SEGMENT, 6, (lsn, payload) -> replayed.add("" + lsn),
                () -> { })) {
            assertThat(replayed).containsExactly("7", "8", "9");
        }
        assertThat(segmentFiles()).allSatisfy(file -> assertThat(Files.size(file)).isEqualTo(4L * SEGMENT));
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().startsWith("segment-")).sorted().toList();
        }
    }
}
