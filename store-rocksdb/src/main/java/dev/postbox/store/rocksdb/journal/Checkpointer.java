package dev.postbox.store.rocksdb.journal;

import org.rocksdb.RocksDBException;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Keeps the commit log short: when a segment fills, flushes RocksDB's memtables (every family up to the same write)
 * and reclaims every segment whose records the flush covered; when the active segment is half full, makes sure a
 * zero-filled spare exists (decision 0014). One thread, woken by the commit log; if it falls behind, the committer
 * creates a sparse segment itself (slower syncs, no stall).
 */
final class Checkpointer implements AutoCloseable {
    private final RocksDatabase database;
    private final CommitLog commitLog;
    private final LongSupplier appliedLsn;
    private final Thread thread;
    private volatile boolean wanted;
    private volatile boolean closed;

    /** @param appliedLsn the LSN of the last record RocksDB has applied (a flush makes at least that much durable) */
    Checkpointer(RocksDatabase database, CommitLog commitLog, LongSupplier appliedLsn) {
        this.database = database;
        this.commitLog = commitLog;
        this.appliedLsn = appliedLsn;
        this.thread = Thread.ofPlatform().name("postbox-checkpointer").daemon().unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    /** Called by the commit log (committer thread) when a segment filled or a spare will soon be needed. */
    void want() {
        wanted = true;
        LockSupport.unpark(thread);
    }

    private void loop() {
        while (!closed) {
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
            if (!wanted || closed) {
                continue;
            }
            wanted = false;
            try {
                checkpoint();
                commitLog.ensureSpare();
            } catch (IOException | RocksDBException e) {
                System.getLogger(Checkpointer.class.getName()).log(System.Logger.Level.ERROR, "checkpoint failed"
                        + " (the commit log keeps every segment until one succeeds)", e);
            }
        }
    }

    /** Flushes RocksDB's memtables to its table files, then reclaims the log segments that flush made redundant. */
    private void checkpoint() throws IOException, RocksDBException {
        if (!commitLog.hasFilled()) {
            return;
        }
        long durable = appliedLsn.getAsLong(); // read before the flush: the flush covers at least this much
        database.flush();
        commitLog.reclaimThrough(durable);
    }

    /** Everything into RocksDB's table files and every segment reclaimed, so the next start replays nothing. */
    void checkpointAll() throws IOException, RocksDBException {
        commitLog.sync();
        commitLog.retireActive();
        long durable = appliedLsn.getAsLong();
        database.flush();
        commitLog.reclaimThrough(durable);
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
