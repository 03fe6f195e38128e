package dev.postbox.server.console;

import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.server.metrics.QueueMetrics;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Every queue's last hour for the console's charts: every 10 s, this node's sent, received and deleted totals (the
 * metrics' counters) and the queue's depth (the store's counts). Kept in memory, 360 samples a queue; a queue that
 * is deleted is forgotten.
 */
public final class QueueHistory implements AutoCloseable {
    static final int SAMPLES = 360;

    record Sample(long t, double sent, double received, double deleted, long visible, long inFlight) {
    }

    private final QueueStore store;
    private final QueueMetrics metrics;
    private final InstantSource clock;
    private final Map<QueueKey, ArrayDeque<Sample>> samples = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(
            task -> Thread.ofPlatform().daemon().name("postbox-console-history").unstarted(task));

    public QueueHistory(QueueStore store, QueueMetrics metrics, InstantSource clock) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, 10, TimeUnit.SECONDS);
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            System.getLogger(QueueHistory.class.getName()).log(System.Logger.Level.DEBUG, "history sample failed", e);
        }
    }

    /** Takes one sample of every queue (the scheduler's work; tests call it to move on). */
    void sample() {
        var now = clock.instant();
        var queues = QueueStore.await(store.allQueues());
        Set<QueueKey> existing = queues.stream().map(QueueRecord::key).collect(Collectors.toSet());
        samples.keySet().retainAll(existing);
        for (QueueRecord queue : queues) {
            QueueCounts counts;
            try {
                counts = QueueStore.await(store.counts(queue.key(), now));
            } catch (RuntimeException deletedMeanwhile) {
                continue;
            }
            QueueMetrics.Totals totals = metrics.totals(queue.key());
            ArrayDeque<Sample> queueSamples = samples.computeIfAbsent(queue.key(), k -> new ArrayDeque<>());
            synchronized (queueSamples) {
                queueSamples.addLast(new Sample(now.getEpochSecond(), totals.sent(), totals.received(),
                        totals.deleted(), counts.visible(), counts.inFlight()));
                while (queueSamples.size() > SAMPLES) {
                    queueSamples.pollFirst();
                }
            }
        }
    }

    /** The queue's samples, oldest first, as JSON: {@code [{"t":…,"sent":…,…}]}. */
    String json(QueueKey key) {
        ArrayDeque<Sample> queueSamples = samples.get(key);
        if (queueSamples == null) {
            return "[]";
        }
        StringBuilder json = new StringBuilder("[");
        synchronized (queueSamples) {
            for (Sample s : queueSamples) {
                json.append(json.length() > 1 ? "," : "").append("{\"t\":").append(s.t()).append(",\"sent\":")
                        .append(s.sent()).append(",\"received\":").append(s.received()).append(",\"deleted\":")
                        .append(s.deleted()).append(",\"visible\":").append(s.visible()).append(",\"inFlight\":")
                        .append(s.inFlight()).append('}');
            }
        }
        return json.append(']').toString();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
