package dev.postbox.store.rocksdb.journal;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the group committer did since the store opened, for the metrics: commits (each one commit-log record), the
 * batches they carried (a group's size is batches per commit), the time commits took (append, fsync, apply), and
 * the fsyncs of the commit log with their time (each commit's with {@code storage.fsync=always}, the interval
 * syncer's otherwise). Totals only: a reader takes differences over time.
 */
public final class CommitStats {
    final LongAdder commits = new LongAdder();
    final LongAdder batches = new LongAdder();
    final LongAdder commitNanos = new LongAdder();
    final LongAdder fsyncs = new LongAdder();
    final LongAdder fsyncNanos = new LongAdder();

    public long commits() {
        return commits.sum();
    }

    public long batches() {
        return batches.sum();
    }

    public double commitSeconds() {
        return commitNanos.sum() / 1e9;
    }

    public long fsyncs() {
        return fsyncs.sum();
    }

    public double fsyncSeconds() {
        return fsyncNanos.sum() / 1e9;
    }
}
