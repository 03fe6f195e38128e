package dev.postbox.server.metrics;

import dev.postbox.core.store.QueueStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;

/**
 * What {@code GET /metrics} shows, in the Prometheus text format: the queues' meters ({@link QueueMetrics}), the
 * operations' ({@link MeteredSqsApi}), HTTP responses by status, open connections, and the JVM's memory, GC,
 * threads and CPU. A scrape reads the queues' counts from the store and writes the text off the event loops.
 */
public final class ServerMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final QueueMetrics queues;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ConcurrentHashMap<Integer, Counter> responses = new ConcurrentHashMap<>();
    private final ExecutorService scrapes = Executors.newSingleThreadExecutor(
            task -> Thread.ofPlatform().daemon().name("postbox-metrics").unstarted(task));

    public ServerMetrics(QueueStore store, InstantSource clock, IntSupplier openConnections) {
        this.queues = new QueueMetrics(registry, store, clock);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("postbox.http.connections", openConnections, IntSupplier::getAsInt)
                .description("Open client connections").register(registry);
    }

    public QueueMetrics queues() {
        return queues;
    }

    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /** Counts an answered HTTP request by its status (every request, also those refused before an operation). */
    public void responded(int status) {
        responses.computeIfAbsent(status, s -> Counter.builder("postbox.http.responses")
                .description("HTTP responses by status").tag("status", Integer.toString(s)).register(registry))
                .increment();
    }

    /** The metrics text, once the queues' counts are read. */
    public CompletableFuture<String> scrape() {
        return queues.refresh().thenApplyAsync(counted -> registry.scrape(), scrapes);
    }

    @Override
    public void close() {
        gc.close();
        scrapes.shutdownNow();
        registry.close();
    }
}
