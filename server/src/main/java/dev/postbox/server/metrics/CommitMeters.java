package dev.postbox.server.metrics;

import dev.postbox.store.rocksdb.journal.CommitStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The embedded store's commit log on {@code /metrics}: commits and the batches they carried (mean group size =
 * rate of batches / rate of commits), time spent committing, and fsyncs with their time (mean fsync latency =
 * rate of seconds / rate of fsyncs).
 */
public final class CommitMeters {
    private CommitMeters() {
    }

    public static void bind(CommitStats stats, MeterRegistry registry) {
        FunctionCounter.builder("postbox.store.commits", stats, CommitStats::commits)
                .description("Group commits of the embedded store (one commit-log record each)").register(registry);
        FunctionCounter.builder("postbox.store.committed.batches", stats, CommitStats::batches)
                .description("Batches (a request's changes) those commits carried").register(registry);
        FunctionCounter.builder("postbox.store.commit.seconds", stats, CommitStats::commitSeconds)
                .description("Time spent committing: append, fsync, apply").register(registry);
        FunctionCounter.builder("postbox.store.fsyncs", stats, CommitStats::fsyncs)
                .description("fsyncs of the commit log").register(registry);
        FunctionCounter.builder("postbox.store.fsync.seconds", stats, CommitStats::fsyncSeconds)
                .description("Time spent in those fsyncs").register(registry);
    }
}
