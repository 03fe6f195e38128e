package dev.postbox.store.embedded;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.testkit.QueueStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedQueueStoreTest extends QueueStoreContract {
    @TempDir
    Path directory;

    @Override
    protected QueueStore newStore() {
        return open();
    }

    private EmbeddedQueueStore open() {
        return EmbeddedQueueStore.open(directory, DurableLog.FsyncPolicy.ALWAYS, Duration.ofMillis(100), clock);
    }

    @Override
    protected boolean invariantsHold(QueueStore store) {
        return ((EmbeddedQueueStore) store).invariantsHold();
    }

    private EmbeddedQueueStore restart() {
        store.close();
        store = open();
        return (EmbeddedQueueStore) store;
    }

    @Test
    void everythingAcknowledgedIsBackAfterARestart() {
        store.updateQueue(key, q -> q.withTags(Map.of("team", "core")));
        send("a", "b", "c");
        QueueStore.await(store.send(key, List.of(message("delayed", Duration.ofSeconds(60))), clock.instant()));
        Delivery a = receive(1).getFirst();
        delete(key, a);
        Delivery b = receive(1).getFirst();
        QueueKey fifo = createFifoQueue("durable.fifo", Map.of());
        List<QueueStore.Sent> sent = QueueStore.await(store.send(fifo, List.of(message("f1", Duration.ZERO, "g", "dedup-1")),
                clock.instant()));
        byte[] secret = store.receiptHandleSecret();

        restart();

        assertThat(store.queue(key)).get().extracting(QueueRecord::tags).isEqualTo(Map.of("team", "core"));
        assertThat(store.receiptHandleSecret()).isEqualTo(secret);
        var counts = store.counts(key, clock.instant());
        assertThat(counts.inFlight()).as("b stays in flight until its timeout").isEqualTo(1);
        assertThat(counts.delayed()).isEqualTo(1);
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("c");
        clock.advanceSeconds(30);
        Delivery bAgain = receive(10).getFirst();
        assertThat(bAgain.data().body()).isEqualTo("b");
        assertThat(bAgain.receiveCount()).isEqualTo(b.receiveCount() + 1);
        clock.advanceSeconds(30);
        assertThat(receive(10)).extracting(d -> d.data().body()).contains("delayed");
        // FIFO: the deduplication window and the sequence counter survive.
        List<QueueStore.Sent> again = QueueStore.await(store.send(fifo, List.of(message("f1", Duration.ZERO, "g", "dedup-1")),
                clock.instant()));
        assertThat(again.getFirst().duplicate()).isTrue();
        assertThat(again.getFirst().messageId()).isEqualTo(sent.getFirst().messageId());
        List<QueueStore.Sent> next = QueueStore.await(store.send(fifo, List.of(message("f2", Duration.ZERO, "g", "dedup-2")),
                clock.instant()));
        assertThat(new java.math.BigInteger(next.getFirst().sequenceNumber()))
                .isGreaterThan(new java.math.BigInteger(sent.getFirst().sequenceNumber()));
    }

    @Test
    void aFifoGroupInFlightAtTheCrashUnlocksWhenItsTimeoutPasses() {
        QueueKey fifo = createFifoQueue("inflight.fifo", Map.of());
        sendTo(fifo, "a1", "a", "1");
        sendTo(fifo, "a2", "a", "2");
        Delivery a1 = receive(fifo, 1).getFirst();
        restart();
        assertThat(receive(fifo, 10)).as("group a is still locked by a1").isEmpty();
        clock.advance(THIRTY_SECONDS);
        List<Delivery> again = receive(fifo, 10);
        assertThat(again).extracting(d -> d.data().body()).containsExactly("a1", "a2");
        assertThat(again.getFirst().receiveCount()).isEqualTo(a1.receiveCount() + 1);
    }

    @Test
    void deletedAndPurgedMessagesAndQueuesStayGoneAfterARestart() {
        send("a", "b");
        store.purge(key);
        send("after-purge");
        QueueKey doomed = new QueueKey("000000000000", "doomed");
        store.createQueue(queue(doomed, Map.of()));
        QueueStore.await(store.send(doomed, List.of(message("x", Duration.ZERO)), clock.instant()));
        store.deleteQueue(doomed);
        restart();
        assertThat(store.queue(doomed)).isEmpty();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("after-purge");
    }

    @Test
    void expiredMessagesAreDroppedAtRecovery() {
        send("old");
        clock.advance(Duration.ofDays(5));
        restart();
        assertThat(store.counts(key, clock.instant()).visible()).isZero();
    }

    @Test
    void afterAKillTheCommitLogBringsBackWhatRocksDbHadOnlyInMemory() {
        store.updateQueue(key, q -> q.withTags(Map.of("team", "core")));
        send("a", "b", "c");
        Delivery a = receive(1).getFirst();
        delete(key, a);
        QueueKey other = new QueueKey("000000000000", "created-after");
        store.createQueue(queue(other, Map.of()));

        ((EmbeddedQueueStore) store).closeAsIfKilled(); // RocksDB's memtables are lost: nothing was flushed
        store = open();

        assertThat(store.queue(key)).get().extracting(QueueRecord::tags).isEqualTo(Map.of("team", "core"));
        assertThat(store.queue(other)).isPresent();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactlyInAnyOrder("b", "c");
        restart(); // and after a clean restart (a checkpoint, nothing to replay) the same state
        assertThat(store.counts(key, clock.instant()).inFlight()).isEqualTo(2);
    }

    @Test
    void theIntervalPolicyKeepsEverythingAcrossACleanRestart() {
        store.close();
        store = EmbeddedQueueStore.open(directory, DurableLog.FsyncPolicy.INTERVAL, Duration.ofMillis(5), clock);
        send("a", "b");
        restart();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aFailingDiskRejectsTheWriteWithARetryableErrorAndChangesNothing() {
        send("kept");
        ((EmbeddedQueueStore) store).failWrites(true);
        assertThatThrownBy(() -> send("lost")).isInstanceOfSatisfying(SqsException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            assertThat(e.code().httpStatus()).isEqualTo(503);
        });
        Delivery kept = receive(1).getFirst();
        assertThatThrownBy(() -> delete(key, kept)).isInstanceOf(SqsException.class);
        assertThat(store.counts(key, clock.instant()).inFlight()).as("the failed delete changed nothing").isEqualTo(1);
        ((EmbeddedQueueStore) store).failWrites(false);
        assertThat(delete(key, kept)).isEqualTo(QueueStore.DeleteOutcome.DELETED);
        send("after");
        restart();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("after");
    }

    @Test
    void aDataDirectoryInUseIsRefused() {
        assertThatThrownBy(this::open).isInstanceOf(StorageException.class)
                .hasMessageContaining("is in use by another Postbox process");
    }

    @Test
    void aNewerFormatIsRefusedUntouched() throws Exception {
        store.close();
        List<ColumnFamilyDescriptor> families = new java.util.ArrayList<>();
        for (byte[] name : RocksDB.listColumnFamilies(new Options(), directory.toString())) {
            families.add(new ColumnFamilyDescriptor(name));
        }
        List<ColumnFamilyHandle> handles = new java.util.ArrayList<>();
        try (DBOptions options = new DBOptions();
             RocksDB db = RocksDB.open(options, directory.toString(), families, handles)) {
            db.put(handles.getFirst(), "format-version".getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(4).putInt(99).array());
            handles.forEach(ColumnFamilyHandle::close);
        }
        assertThatThrownBy(this::open).isInstanceOf(StorageException.class)
                .hasMessageContaining("has format version 99");
        directory = directory.resolve("fresh");
        store = open(); // the contract's invariant check needs an open store
    }
}
