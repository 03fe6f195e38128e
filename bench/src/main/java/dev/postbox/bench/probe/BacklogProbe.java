package dev.postbox.bench.probe;

import dev.postbox.core.store.QueueStore;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;

import dev.postbox.store.rocksdb.RocksDbQueueStore;
import dev.postbox.store.rocksdb.journal.FsyncPolicy;
import dev.postbox.store.rocksdb.journal.Journal;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Large-backlog probe for the embedded store: fills one standard queue with N messages of 1 KiB (unless it already
 * holds them), closes the store, reopens it (recovery) and reports the time, the heap in use after a full GC, and
 * that receive and delete still work. Not a test: run with {@code scripts/measure-backlog.sh N DIR} (which gives the
 * JVM {@code -Xmx1g}).
 */
public final class BacklogProbe {
    public static void main(String[] args) {
        long count = Long.parseLong(args[0]);
        Path directory = Path.of(args[1]);
        InstantSource clock = InstantSource.system();
        QueueKey key = new QueueKey("us-east-1", "000000000000", "backlog");
        String body = "x".repeat(1024);
        Journal.Settings settings = new Journal.Settings(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(100),
                Journal.Settings.DEFAULT_SEGMENT_BYTES);
        QueueStore store = RocksDbQueueStore.open(settings, clock, "us-east-1");
        Map<String, String> attributes = QueueAttributes.standardDefaults();
        attributes.put(QueueAttributes.MESSAGE_RETENTION_PERIOD, "1209600");
        QueueStore.await(store.createQueue(new QueueRecord(key, 1, false, attributes, Map.of(), clock.instant(),
                clock.instant()), clock.instant()));
        long present = QueueStore.await(store.counts(key, clock.instant())).visible();
        long started = System.nanoTime();
        for (long sent = present; sent < count; ) {
            int batch = (int) Math.min(1000, count - sent);
            List<NewMessage> messages = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                MessageData data = new MessageData(UUID.randomUUID().toString(), body, "md5", Map.of(), null, Map.of(),
                        "probe", clock.instant(), null, null, null);
                messages.add(NewMessage.sent(data, clock.instant()));
            }
            QueueStore.await(store.send(key, messages, clock.instant()));
            sent += batch;
            if (sent % 1_000_000 == 0) {
                System.out.printf("filled %,d messages (%.0f s)%n", sent, (System.nanoTime() - started) / 1e9);
            }
        }
        if (count > present) {
            System.out.printf("fill: %,d messages in %.1f s%n", count - present, (System.nanoTime() - started) / 1e9);
        }
        store.close();

        long opening = System.nanoTime();
        store = RocksDbQueueStore.open(settings, clock, "us-east-1");
        double recoverySeconds = (System.nanoTime() - opening) / 1e9;
        System.gc();
        long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.out.printf("recovery: %,d messages loaded in %.1f s; heap in use after GC %d MiB of %d MiB max%n",
                QueueStore.await(store.counts(key, clock.instant())).visible(), recoverySeconds, heapUsed >> 20,
                maxHeap >> 20);
        long receiveStarted = System.nanoTime();
        List<Delivery> received = QueueStore.await(store.receive(key,
                QueueStore.Receive.of(10, Duration.ofSeconds(30)), clock.instant()));
        for (Delivery d : received) {
            QueueStore.await(store.delete(key, d.sequence(), d.receiveCount(), clock.instant()));
        }
        System.out.printf("receive 10 + delete 10 after recovery: %d messages, %.1f ms%n", received.size(),
                (System.nanoTime() - receiveStarted) / 1e6);
        store.close();
    }
}
