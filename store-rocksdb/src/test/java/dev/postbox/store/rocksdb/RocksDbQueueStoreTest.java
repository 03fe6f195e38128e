package dev.postbox.store.rocksdb;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.store.rocksdb.journal.Batch;
import dev.postbox.store.rocksdb.journal.Codec;
import dev.postbox.store.rocksdb.journal.ColumnFamily;
import dev.postbox.store.rocksdb.journal.FsyncPolicy;
import dev.postbox.store.rocksdb.journal.Journal;
import dev.postbox.store.rocksdb.journal.JournalFaults;
import dev.postbox.store.rocksdb.journal.StorageException;
import dev.postbox.testkit.QueueStoreContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RocksDbQueueStoreTest extends QueueStoreContract {
    @TempDir
    Path directory;
    private Journal journal;

    @Override
    protected QueueStore newStore() {
        return open(FsyncPolicy.ALWAYS);
    }

    private RocksDbQueueStore open(FsyncPolicy fsync) {
        journal = Journal.open(new Journal.Settings(directory, fsync, Duration.ofMillis(5),
                Journal.Settings.DEFAULT_SEGMENT_BYTES));
        return RocksDbQueueStore.open(journal, clock, "us-east-1");
    }

    @Override
    protected boolean invariantsHold(QueueStore store) {
        return ((RocksDbQueueStore) store).invariantsHold();
    }

    private void restart() {
        store.close();
        store = open(FsyncPolicy.ALWAYS);
    }

    @Test
    void everythingAcknowledgedIsBackAfterARestart() {
        await(store.updateQueue(key, q -> q.withTags(Map.of("team", "core"))));
        send("a", "b", "c");
        send(key, message("delayed", Duration.ofSeconds(60)));
        Delivery a = receive(1).getFirst();
        delete(key, a);
        Delivery b = receive(1).getFirst();
        QueueKey fifo = createFifoQueue("durable.fifo", Map.of());
        List<QueueStore.Sent> sent = send(fifo, message("f1", Duration.ZERO, "g", "dedup-1"));
        byte[] secret = store.receiptHandleSecret();

        restart();

        assertThat(await(store.queue(key))).get().extracting(QueueRecord::tags).isEqualTo(Map.of("team", "core"));
        assertThat(store.receiptHandleSecret()).isEqualTo(secret);
        var counts = counts(key);
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
        List<QueueStore.Sent> again = send(fifo, message("f1", Duration.ZERO, "g", "dedup-1"));
        assertThat(again.getFirst().duplicate()).isTrue();
        assertThat(again.getFirst().messageId()).isEqualTo(sent.getFirst().messageId());
        List<QueueStore.Sent> next = send(fifo, message("f2", Duration.ZERO, "g", "dedup-2"));
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
        assertThat(purge(key)).isTrue();
        send("after-purge");
        QueueKey doomed = new QueueKey("us-east-1", "000000000000", "doomed");
        create(queue(doomed, Map.of()));
        send(doomed, message("x", Duration.ZERO));
        await(store.deleteQueue(doomed, clock.instant()));
        restart();
        assertThat(await(store.queue(doomed))).isEmpty();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("after-purge");
    }

    @Test
    void expiredMessagesAreDroppedAtRecovery() {
        send("old");
        clock.advance(Duration.ofDays(5));
        restart();
        assertThat(counts(key).visible()).isZero();
    }

    @Test
    void aDeduplicationIdThatExpiredBeforeARestartStaysExpiredAfterIt() {
        QueueKey fifo = createFifoQueue("dedup-restart.fifo", Map.of());
        sendTo(fifo, "first", "g", "b-sent-first");
        clock.advance(Duration.ofMinutes(2));
        sendTo(fifo, "second", "g", "a-sent-second"); // sorts before the first one on disk
        clock.advance(Duration.ofMinutes(3).plusSeconds(1)); // the first id's five minutes are over
        restart();
        assertThat(send(fifo, message("again", Duration.ZERO, "g", "b-sent-first")).getFirst().duplicate())
                .as("an expired id is a new message").isFalse();
        assertThat(send(fifo, message("again", Duration.ZERO, "g", "a-sent-second")).getFirst().duplicate())
                .as("a live id is still a duplicate").isTrue();
    }

    @Test
    void expiredDeduplicationIdsLeaveTheDiskWhileTheStoreRuns() {
        QueueKey fifo = createFifoQueue("dedup-disk.fifo", Map.of());
        long incarnation = await(store.queue(fifo)).orElseThrow().incarnation();
        sendTo(fifo, "old", "g", "old-id");
        clock.advance(Duration.ofMinutes(5));
        sendTo(fifo, "new", "g", "new-id"); // sweeps the window; the deletion commits before this send
        List<String> onDisk = new java.util.ArrayList<>();
        journal.scan(dev.postbox.store.rocksdb.journal.ColumnFamily.DEDUP,
                dev.postbox.store.rocksdb.journal.Codec.prefix(incarnation),
                (k, v) -> onDisk.add(dev.postbox.store.rocksdb.journal.Codec.dedupKeyText(k)));
        assertThat(onDisk).containsExactly("g\u0000new-id");
    }

    @Test
    void aPurgedQueuesDeduplicationIdsStayForgottenAfterARestart() {
        QueueKey fifo = createFifoQueue("purge-dedup-restart.fifo", Map.of());
        sendTo(fifo, "before", "g", "same");
        assertThat(purge(fifo)).isTrue();
        restart();
        assertThat(send(fifo, message("after", Duration.ZERO, "g", "same")).getFirst().duplicate()).isFalse();
    }

    @Test
    void aDeduplicationIdKeepsItsGroupAcrossARestartForAScopeSwitch() {
        QueueKey fifo = createFifoQueue("scope-restart.fifo", Map.of());
        sendTo(fifo, "x", "g1", "same");
        restart();
        await(store.updateQueue(fifo, q -> {
            Map<String, String> attributes = new java.util.HashMap<>(q.attributes());
            attributes.put("DeduplicationScope", "messageGroup");
            return q.withAttributes(attributes, clock.instant());
        }));
        assertThat(send(fifo, message("x", Duration.ZERO, "g1", "same")).getFirst().duplicate()).isTrue();
        assertThat(send(fifo, message("y", Duration.ZERO, "g2", "same")).getFirst().duplicate()).isFalse();
    }

    @Test
    void theNameReuseAndPurgeWindowsSurviveARestart() {
        QueueKey deleted = new QueueKey("us-east-1", "000000000000", "deleted");
        create(queue(deleted, Map.of()));
        await(store.deleteQueue(deleted, clock.instant()));
        assertThat(purge(key)).isTrue();
        restart();
        clock.advance(WINDOW.minusSeconds(1));
        assertThat(create(queue(deleted, Map.of())).status())
                .isEqualTo(QueueStore.CreateOutcome.Status.NAME_RECENTLY_DELETED);
        assertThat(purge(key)).as("purged before the restart, inside the window").isFalse();
        clock.advanceSeconds(1);
        restart();
        assertThat(create(queue(deleted, Map.of())).status()).isEqualTo(QueueStore.CreateOutcome.Status.CREATED);
        assertThat(purge(key)).isTrue();
    }

    @Test
    void queuesStoredBeforeRegionsAreTheOlderDataRegionsAfterAnUpgrade() throws Exception {
        QueueKey deleted = new QueueKey("us-east-1", "000000000000", "deleted");
        create(queue(deleted, Map.of()));
        await(store.deleteQueue(deleted, clock.instant()));
        send("kept");
        store.close();
        journal = Journal.open(new Journal.Settings(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(5),
                Journal.Settings.DEFAULT_SEGMENT_BYTES));
        asBeforeRegions(key, deleted);
        journal.close();

        store = RocksDbQueueStore.open(new Journal.Settings(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(5),
                Journal.Settings.DEFAULT_SEGMENT_BYTES), clock, "eu-central-1");
        QueueKey upgraded = new QueueKey("eu-central-1", key.accountId(), key.name());
        assertThat(await(store.queue(upgraded))).get().extracting(QueueRecord::key).isEqualTo(upgraded);
        assertThat(receive(upgraded, 10)).extracting(d -> d.data().body()).containsExactly("kept");
        assertThat(create(queue(new QueueKey("eu-central-1", "000000000000", "deleted"), Map.of())).status())
                .as("the tombstone moved with the queues").isEqualTo(QueueStore.CreateOutcome.Status.NAME_RECENTLY_DELETED);
        assertThat(await(store.deleteQueue(upgraded, clock.instant()))).isTrue();
        restart(); // the rewritten keys are the ones a delete removes: nothing comes back
        assertThat(await(store.queues("eu-central-1", key.accountId(), ""))).isEmpty();
        assertThat(await(store.queue(upgraded))).isEmpty();
    }

    /** Rewrites a queue record and a tombstone as a build before regions stored them. */
    private void asBeforeRegions(QueueKey queue, QueueKey tombstone) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Batch batch = new Batch();
        journal.scan(ColumnFamily.QUEUES, new byte[0], (k, value) -> {
            try {
                var record = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(value);
                assertThat(record.remove("region").asText()).isEqualTo(queue.region());
                batch.delete(ColumnFamily.QUEUES, k).put(ColumnFamily.QUEUES,
                        (queue.accountId() + "/" + queue.name()).getBytes(StandardCharsets.UTF_8),
                        json.writeValueAsBytes(record));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] tombstoneKey = Codec.StateKeys.tombstone(tombstone);
        byte[] freedAt = journal.multiGet(ColumnFamily.DEFAULT, List.of(tombstoneKey)).getFirst();
        assertThat(freedAt).isNotNull();
        batch.delete(ColumnFamily.DEFAULT, tombstoneKey).put(ColumnFamily.DEFAULT, ("tombstone/"
                + tombstone.accountId() + "/" + tombstone.name()).getBytes(StandardCharsets.UTF_8), freedAt);
        journal.submit(batch).join();
    }

    @Test
    void aPeekAfterARestartReadsThePayloadsOfMessagesNotYetIndexed() {
        send("one", "two", "three");
        restart();
        assertThat(await(store.peek(key, 0, 10, clock.instant()))).extracting(m -> m.data().body())
                .containsExactly("one", "two", "three");
        assertThat(receive(10)).hasSize(3);
    }

    @Test
    void aMessageNotReceivedSinceARestartIsDeletedByItsSequenceAndTheOthersKeepTheirOrder() {
        send("one", "two", "three");
        restart();
        long two = await(store.peek(key, 0, 10, clock.instant())).get(1).sequence();
        assertThat(await(store.delete(key, two, 0, clock.instant()))).isEqualTo(QueueStore.DeleteOutcome.DELETED);
        assertThat(await(store.peek(key, 0, 10, clock.instant()))).extracting(m -> m.data().body())
                .containsExactly("one", "three");
        restart();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("one", "three");
    }

    @Test
    void aReceiveAttemptSurvivesARestart() {
        QueueKey fifo = createFifoQueue("attempt-restart.fifo", Map.of());
        sendTo(fifo, "a1", "a", "1");
        Delivery first = receive(fifo, 10, THIRTY_SECONDS, null, "attempt").getFirst();
        restart();
        clock.advanceSeconds(10);
        Delivery retried = receive(fifo, 10, THIRTY_SECONDS, null, "attempt").getFirst();
        assertThat(retried).extracting(Delivery::sequence, Delivery::receiveCount, Delivery::receivedAt)
                .containsExactly(first.sequence(), first.receiveCount(), first.receivedAt());
        assertThat(retried.data().body()).isEqualTo("a1");
    }

    @Test
    void moveTasksAndTheirProgressSurviveARestart() {
        String source = "arn:aws:sqs:us-east-1:000000000000:dlq";
        MoveTask running = await(store.startMoveTask(new MoveTask(UUID.randomUUID().toString(), source, null, 5, 10,
                0, clock.instant(), MoveTask.Status.RUNNING, null))).orElseThrow();
        await(store.updateMoveTask(source, running.taskId(), t -> t.withMoved(4)));
        restart();
        assertThat(await(store.activeMoveTasks())).singleElement()
                .extracting(MoveTask::taskId, MoveTask::moved, MoveTask::maxNumberOfMessagesPerSecond)
                .containsExactly(running.taskId(), 4L, 5);
        assertThat(await(store.startMoveTask(new MoveTask(UUID.randomUUID().toString(), source, null, null, 1, 0,
                clock.instant(), MoveTask.Status.RUNNING, null)))).as("still the source's active task").isEmpty();
    }

    /** A real SIGKILL of a process that holds the store: RocksDB's memtables die with it; the commit log replays. */
    @Test
    void afterAKillTheCommitLogBringsBackWhatRocksDbHadOnlyInMemory() throws Exception {
        store.close();
        Path killedDirectory = directory.resolve("killed");
        Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), KilledStore.class.getName(), killedDirectory.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = output.readLine()) != null && !line.equals("READY")) {
                System.out.println("killed store: " + line);
            }
            assertThat(line).as("the store process got ready").isEqualTo("READY");
        }
        process.destroyForcibly(); // SIGKILL
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();

        directory = killedDirectory;
        store = open(FsyncPolicy.ALWAYS);
        assertThat(await(store.queue(KilledStore.QUEUE))).get().extracting(QueueRecord::tags)
                .isEqualTo(Map.of("team", "core"));
        assertThat(await(store.queue(KilledStore.CREATED_LAST))).isPresent();
        assertThat(receive(KilledStore.QUEUE, 10)).extracting(d -> d.data().body()).containsExactlyInAnyOrder("b", "c");
        restart(); // and after a clean restart (a checkpoint, nothing to replay) the same state
        assertThat(counts(KilledStore.QUEUE).inFlight()).isEqualTo(2);
    }

    @Test
    void theIntervalPolicyKeepsEverythingAcrossACleanRestart() {
        store.close();
        store = open(FsyncPolicy.INTERVAL);
        send("a", "b");
        restart();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aFailingDiskRejectsTheWriteWithARetryableErrorAndChangesNothing() {
        send("kept");
        JournalFaults.failWrites(journal, true);
        assertThatThrownBy(() -> send("lost")).isInstanceOfSatisfying(SqsException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            assertThat(e.code().httpStatus()).isEqualTo(503);
        });
        Delivery kept = receive(1).getFirst();
        assertThatThrownBy(() -> delete(key, kept)).isInstanceOf(SqsException.class);
        assertThat(counts(key).inFlight()).as("the failed delete changed nothing").isEqualTo(1);
        assertThatThrownBy(() -> purge(key)).isInstanceOf(SqsException.class);
        assertThat(counts(key).inFlight()).as("the failed purge changed nothing").isEqualTo(1);
        JournalFaults.failWrites(journal, false);
        assertThat(delete(key, kept)).isEqualTo(QueueStore.DeleteOutcome.DELETED);
        assertThat(purge(key)).as("the failed purge did not use up the window").isTrue();
        send("after");
        restart();
        assertThat(receive(10)).extracting(d -> d.data().body()).containsExactly("after");
    }

    @Test
    void aDataDirectoryInUseIsRefused() {
        assertThatThrownBy(() -> Journal.open(new Journal.Settings(directory, FsyncPolicy.ALWAYS,
                Duration.ofMillis(5), Journal.Settings.DEFAULT_SEGMENT_BYTES)))
                .isInstanceOf(StorageException.class).hasMessageContaining("is in use by another Postbox process");
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
        assertThatThrownBy(() -> open(FsyncPolicy.ALWAYS)).isInstanceOf(StorageException.class)
                .hasMessageContaining("has format version 99");
        directory = directory.resolve("fresh");
        store = open(FsyncPolicy.ALWAYS); // the contract's invariant check needs an open store
    }
}
