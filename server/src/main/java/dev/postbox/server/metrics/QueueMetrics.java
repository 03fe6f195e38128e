package dev.postbox.server.metrics;

import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Per-queue meters under CloudWatch's SQS metric names, in Prometheus style ({@code NumberOfMessagesSent} is
 * {@code sqs_number_of_messages_sent_total}), tagged with the queue's name, account and region. The counters are
 * this node's, counted as requests succeed (exact); the gauges are the store's counts, read for every queue when
 * the metrics are scraped ({@link #refresh}), so they are exact as of the scrape and the same on every node.
 */
public final class QueueMetrics {
    private final MeterRegistry registry;
    private final QueueStore store;
    private final InstantSource clock;
    private final Map<QueueKey, Meters> byQueue = new ConcurrentHashMap<>();

    public QueueMetrics(MeterRegistry registry, QueueStore store, InstantSource clock) {
        this.registry = registry;
        this.store = store;
        this.clock = clock;
    }

    /** One queue's meters, and the latest counts its gauges show. */
    final class Meters {
        final Counter sent;
        final Counter received;
        final Counter deleted;
        final Counter emptyReceives;
        final DistributionSummary sentSize;
        private final List<Meter> all = new ArrayList<>();
        private volatile QueueCounts counts = new QueueCounts(0, 0, 0);
        private volatile Instant countedAt = Instant.EPOCH;

        Meters(QueueKey key) {
            Tags tags = Tags.of("queue", key.name(), "account", key.accountId(), "region", key.region());
            sent = add(Counter.builder("sqs.number.of.messages.sent").tags(tags)
                    .description("Messages added to the queue (NumberOfMessagesSent)").register(registry));
            received = add(Counter.builder("sqs.number.of.messages.received").tags(tags)
                    .description("Messages returned by ReceiveMessage (NumberOfMessagesReceived)").register(registry));
            deleted = add(Counter.builder("sqs.number.of.messages.deleted").tags(tags)
                    .description("Messages deleted (NumberOfMessagesDeleted)").register(registry));
            emptyReceives = add(Counter.builder("sqs.number.of.empty.receives").tags(tags)
                    .description("ReceiveMessage calls that returned no message (NumberOfEmptyReceives)")
                    .register(registry));
            sentSize = add(DistributionSummary.builder("sqs.sent.message.size").baseUnit("bytes").tags(tags)
                    .description("Size of messages added to the queue (SentMessageSize)").register(registry));
            gauge("sqs.approximate.number.of.messages.visible", tags, "Messages available for retrieval",
                    c -> c.visible());
            gauge("sqs.approximate.number.of.messages.not.visible", tags, "Messages in flight", c -> c.inFlight());
            gauge("sqs.approximate.number.of.messages.delayed", tags, "Messages delayed, not yet visible",
                    c -> c.delayed());
            add(Gauge.builder("sqs.approximate.age.of.oldest.message", this, m -> m.ageSeconds()).tags(tags)
                    .baseUnit("seconds").description("Age of the oldest message in the queue").register(registry));
        }

        private <M extends Meter> M add(M meter) {
            all.add(meter);
            return meter;
        }

        private void gauge(String name, Tags tags, String description,
                           java.util.function.ToDoubleFunction<QueueCounts> value) {
            add(Gauge.builder(name, this, m -> value.applyAsDouble(m.counts)).tags(tags).description(description)
                    .register(registry));
        }

        private double ageSeconds() {
            Instant oldest = counts.oldestRetainedFrom();
            return oldest == null ? 0 : Math.max(0, Duration.between(oldest, countedAt).toMillis() / 1000.0);
        }

        void remove() {
            all.forEach(registry::remove);
        }
    }

    /** This node's totals of a queue's counters since it started. */
    public record Totals(double sent, double received, double deleted) {
    }

    public Totals totals(QueueKey key) {
        Meters meters = byQueue.get(key);
        return meters == null ? new Totals(0, 0, 0)
                : new Totals(meters.sent.count(), meters.received.count(), meters.deleted.count());
    }

    /** The queue's meters, registered on first use. */
    Meters of(QueueKey key) {
        return byQueue.computeIfAbsent(key, Meters::new);
    }

    /**
     * Reads every queue's counts from the store for the gauges; the meters of queues that no longer exist go (so a
     * deleted queue's series ends, and names that never were a queue leave nothing behind).
     */
    public CompletableFuture<Void> refresh() {
        return store.allQueues().thenCompose(queues -> {
            Set<QueueKey> existing = queues.stream().map(QueueRecord::key).collect(Collectors.toSet());
            byQueue.keySet().removeIf(key -> {
                if (existing.contains(key)) {
                    return false;
                }
                byQueue.get(key).remove();
                return true;
            });
            Instant now = clock.instant();
            CompletableFuture<?>[] counted = queues.stream().map(queue -> store.counts(queue.key(), now)
                    .thenAccept(counts -> {
                        Meters meters = of(queue.key());
                        meters.counts = counts;
                        meters.countedAt = now;
                    })
                    .exceptionally(deletedMeanwhile -> null)).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(counted);
        });
    }
}
