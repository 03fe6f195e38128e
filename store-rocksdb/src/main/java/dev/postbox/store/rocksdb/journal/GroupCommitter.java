package dev.postbox.store.rocksdb.journal;

import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Group commit. Request threads never write themselves: they {@link #submit} a {@link Batch} and get a future. One
 * committer thread takes every batch that is waiting, serializes them as one {@code WriteBatch}, appends it to the
 * {@link CommitLog} and syncs once (policy {@code ALWAYS}), applies it to RocksDB without RocksDB's WAL, then runs
 * the batches' in-memory effects in submission order and completes their futures. So one sync covers every request
 * that arrived while the previous one ran, and memory never shows what the disk does not have. Under policy
 * {@code INTERVAL} appends are not synced; a thread syncs the log every interval (the loss window of a machine crash).
 *
 * <p>Every write batch also records its commit-log LSN in RocksDB ({@link RocksDatabase#markApplied}), so RocksDB's
 * durable state says which records it holds; {@link #appliedLsn} is what the {@link Checkpointer} may make durable.
 */
final class GroupCommitter implements AutoCloseable {
    private static final int MAX_BATCHES_PER_COMMIT = 4096;
    /** A commit stops taking batches past this size (a batch is at most ~1 MiB), so a record fits a log segment. */
    private static final long MAX_COMMIT_BYTES = 8 << 20;

    private record Pending(Batch batch, CompletableFuture<Void> done) {
    }

    private final RocksDatabase database;
    private final CommitLog commitLog;
    private final boolean syncEachCommit;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final Thread intervalSyncer;
    /** The LSN of the last record RocksDB has applied (the committer writes, the checkpointer reads). */
    private volatile long appliedLsn;
    /** A fault for tests of the store's error path: while set, every write fails as on a full disk. */
    private volatile boolean writesFail;
    private volatile boolean closed;
    private final CommitStats stats = new CommitStats();

    GroupCommitter(RocksDatabase database, CommitLog commitLog, FsyncPolicy policy, Duration syncInterval) {
        this.database = database;
        this.commitLog = commitLog;
        this.syncEachCommit = policy == FsyncPolicy.ALWAYS;
        this.appliedLsn = commitLog.nextLsn() - 1;
        this.committer = Thread.ofPlatform().name("postbox-committer").daemon().start(this::commitLoop);
        this.intervalSyncer = policy == FsyncPolicy.INTERVAL
                ? Thread.ofPlatform().name("postbox-wal-sync").daemon().start(() -> syncLoop(syncInterval)) : null;
    }

    long appliedLsn() {
        return appliedLsn;
    }

    CommitStats stats() {
        return stats;
    }

    /** Syncs the commit log, counted. */
    private void sync() throws IOException {
        long start = System.nanoTime();
        commitLog.sync();
        stats.fsyncNanos.add(System.nanoTime() - start);
        stats.fsyncs.increment();
    }

    /** Queues the batch for the next group commit; the future completes after its effects ran. */
    CompletableFuture<Void> submit(Batch batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("the store is closed"));
            return done;
        }
        pending.add(new Pending(batch, done));
        return done;
    }

    void failWrites(boolean failing) {
        this.writesFail = failing;
    }

    /** Runs until the committer is closed and every submitted batch is committed. */
    private void commitLoop() {
        List<Pending> group = new ArrayList<>();
        while (!(closed && pending.isEmpty())) {
            try {
                Pending first = pending.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
            } catch (InterruptedException e) {
                continue; // nothing interrupts us on purpose (it would close the log's channels); the loop decides
            }
            pending.drainTo(group, MAX_BATCHES_PER_COMMIT - 1);
            commitInChunks(group);
            group.clear();
        }
    }

    /** Commits the group as consecutive commits of at most {@link #MAX_COMMIT_BYTES} each (in practice one). */
    private void commitInChunks(List<Pending> group) {
        int from = 0;
        while (from < group.size()) {
            int to = from;
            boolean built = false;
            Throwable failure = null;
            try (WriteBatch writeBatch = new WriteBatch()) {
                do {
                    for (Batch.Change change : group.get(to).batch().changes) {
                        change.applyTo(writeBatch, database);
                    }
                    to++;
                } while (to < group.size() && writeBatch.getDataSize() < MAX_COMMIT_BYTES);
                built = true;
                long start = System.nanoTime();
                write(writeBatch);
                stats.commitNanos.add(System.nanoTime() - start);
                stats.commits.increment();
                stats.batches.add(to - from);
            } catch (IOException | RocksDBException | RuntimeException e) {
                failure = e;
                if (!built) {
                    to++; // the batch whose changes could not be built fails with the ones before it
                }
            }
            complete(group.subList(from, to), failure);
            from = to;
        }
    }

    /** Appends the batch to the commit log, syncs it (policy always), then applies it to RocksDB. */
    private void write(WriteBatch writeBatch) throws IOException, RocksDBException {
        if (writeBatch.count() == 0) {
            return;
        }
        if (writesFail) {
            throw new IOException("No space left on device (simulated)");
        }
        long lsn = commitLog.nextLsn();
        database.markApplied(writeBatch, lsn);
        commitLog.append(writeBatch.data());
        try {
            if (syncEachCommit) {
                sync();
            }
            database.apply(writeBatch);
        } catch (IOException | RocksDBException e) {
            commitLog.discardLast(); // its requests get an error: the record must not come back at recovery
            throw e;
        }
        appliedLsn = lsn;
    }

    private static void complete(List<Pending> group, Throwable failure) {
        for (Pending p : group) {
            try {
                (failure == null ? p.batch().onCommitted : p.batch().onFailed).forEach(Runnable::run);
            } catch (RuntimeException e) {
                p.done().completeExceptionally(e);
                continue;
            }
            if (failure == null) {
                p.done().complete(null);
            } else {
                p.done().completeExceptionally(failure);
            }
        }
    }

    private void syncLoop(Duration interval) {
        while (!closed) {
            LockSupport.parkNanos(interval.toNanos()); // not sleep: an interrupt would close the log's channels
            try {
                sync();
            } catch (IOException e) {
                System.getLogger(GroupCommitter.class.getName()).log(System.Logger.Level.ERROR,
                        "commit log sync failed", e);
            }
        }
    }

    /** Commits what was submitted, then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            committer.join(Duration.ofSeconds(10));
            if (intervalSyncer != null) {
                LockSupport.unpark(intervalSyncer);
                intervalSyncer.join(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
