package dev.postbox.store.rocksdb;

import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.store.rocksdb.journal.FsyncPolicy;
import dev.postbox.store.rocksdb.journal.Journal;
import dev.postbox.testkit.ManualClock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The process {@link RocksDbQueueStoreTest} kills with SIGKILL: opens the store in the directory given, makes the
 * changes the test then expects back (every one acknowledged), says {@code READY} and waits to be killed. Nothing
 * is flushed by then, so RocksDB's memtables die with it and only the commit log has the changes.
 */
public final class KilledStore {
    static final QueueKey QUEUE = new QueueKey("us-east-1", "000000000000", "killed");
    static final QueueKey CREATED_LAST = new QueueKey("us-east-1", "000000000000", "created-last");

    private KilledStore() {
    }

    public static void main(String[] args) throws Exception {
        ManualClock clock = new ManualClock();
        QueueStore store = RocksDbQueueStore.open(new Journal.Settings(Path.of(args[0]), FsyncPolicy.ALWAYS,
                Duration.ofMillis(100), Journal.Settings.DEFAULT_SEGMENT_BYTES), clock, "us-east-1");
        QueueStore.await(store.createQueue(queue(QUEUE, clock), clock.instant()));
        QueueStore.await(store.updateQueue(QUEUE, q -> q.withTags(Map.of("team", "core"))));
        for (String body : List.of("a", "b", "c")) {
            MessageData data = new MessageData(body + "-id", body, "md5", Map.of(), null, Map.of(), "sender",
                    clock.instant(), null, null, null);
            QueueStore.await(store.send(QUEUE, List.of(NewMessage.sent(data, clock.instant())), clock.instant()));
        }
        Delivery a = QueueStore.await(store.receive(QUEUE, QueueStore.Receive.of(1, Duration.ofSeconds(30)),
                clock.instant())).getFirst();
        QueueStore.await(store.delete(QUEUE, a.sequence(), a.receiveCount(), clock.instant()));
        QueueStore.await(store.createQueue(queue(CREATED_LAST, clock), clock.instant()));
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static QueueRecord queue(QueueKey key, ManualClock clock) {
        return new QueueRecord(key, key.name().hashCode(), false, QueueAttributes.standardDefaults(), Map.of(),
                clock.instant(), clock.instant());
    }
}
