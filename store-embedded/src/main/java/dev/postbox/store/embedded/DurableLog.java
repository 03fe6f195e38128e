package dev.postbox.store.embedded;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * The RocksDB database under the embedded store, and its group commit.
 *
 * <p>Design: request threads never write to RocksDB themselves. They {@link #submit} a {@link Batch} (with what to
 * do in memory once it is on disk) and wait on the returned future. One committer thread takes every batch that is
 * waiting, serializes them as one {@code WriteBatch}, appends it to the {@link CommitLog} and syncs once (fsync
 * policy {@code always}), applies it to RocksDB (without RocksDB's own WAL), then runs the batches' in-memory effects
 * in submission order and completes their futures. So one fsync covers every request that arrived while the previous
 * one ran, and memory never shows what the disk does not have. Under policy {@code interval} the append is not
 * synced; a timer syncs the log every interval (the loss window on a machine crash).
 *
 * <p>Every write batch also puts its commit-log LSN under {@code applied-lsn} in the default family, so RocksDB's
 * durable state says which records it holds. A checkpointer thread flushes RocksDB's memtables (all families at once:
 * {@code atomic_flush}) whenever a log segment fills, after which the log reclaims the segments the flush covered;
 * recovery replays the log's records above the LSN RocksDB holds (decision 0014).
 *
 * <p>Column families: {@code queues} (queue records), {@code messages} (payloads), {@code index} (what recovery
 * needs per message), {@code dedup} (FIFO deduplication ids), {@code default} (format version, receipt secret).
 */
final class DurableLog implements AutoCloseable {
    /** 1: RocksDB's own WAL; 2: the {@link CommitLog} (a version-1 reader would ignore it, so it must refuse). */
    static final int FORMAT_VERSION = 2;
    private static final byte[] FORMAT_KEY = "format-version".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECRET_KEY = "receipt-handle-secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] APPLIED_LSN_KEY = "applied-lsn".getBytes(StandardCharsets.UTF_8);
    private static final int MAX_BATCHES_PER_COMMIT = 4096;
    /** A commit stops taking batches past this size (a batch is at most ~1 MiB), so a record fits a log segment. */
    private static final long MAX_COMMIT_BYTES = 8 << 20;
    /** The commit log's segment size; a system property so that the crash test can make segments turn over often. */
    private static final int SEGMENT_BYTES = Integer.getInteger("postbox.commit-log.segment-bytes",
            CommitLog.DEFAULT_SEGMENT_BYTES);

    enum FsyncPolicy { ALWAYS, INTERVAL }

    /** One atomic set of changes, and its effects on memory once durable (or once it failed). */
    static final class Batch {
        private final List<BiConsumer<WriteBatch, DurableLog>> changes = new ArrayList<>();
        private final List<Runnable> onCommitted = new ArrayList<>();
        private final List<Runnable> onFailed = new ArrayList<>();

        Batch put(ColumnFamily family, byte[] key, byte[] value) {
            changes.add((batch, log) -> uncheck(() -> batch.put(log.handle(family), key, value)));
            return this;
        }

        Batch delete(ColumnFamily family, byte[] key) {
            changes.add((batch, log) -> uncheck(() -> batch.delete(log.handle(family), key)));
            return this;
        }

        Batch deleteRange(ColumnFamily family, byte[] from, byte[] toExclusive) {
            changes.add((batch, log) -> uncheck(() -> batch.deleteRange(log.handle(family), from, toExclusive)));
            return this;
        }

        Batch onCommitted(Runnable effect) {
            onCommitted.add(effect);
            return this;
        }

        Batch onFailed(Runnable effect) {
            onFailed.add(effect);
            return this;
        }

        boolean isEmpty() {
            return changes.isEmpty() && onCommitted.isEmpty();
        }
    }

    enum ColumnFamily { QUEUES, MESSAGES, INDEX, DEDUP }

    private record Pending(Batch batch, CompletableFuture<Void> done) {
    }

    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;
    private final List<ColumnFamilyHandle> handles;
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    private final FlushOptions flushOptions = new FlushOptions().setWaitForFlush(true);
    private final CommitLog commitLog;
    private final boolean syncEachCommit;
    private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final Thread checkpointer;
    private final Thread walSyncer;
    /** The LSN of the last record RocksDB has applied (committer writes, checkpointer reads). */
    private volatile long appliedLsn;
    private volatile boolean checkpointWanted;
    private final byte[] secret;
    /** Test hook: while set, every write fails before it reaches RocksDB, as on a full disk. */
    private volatile boolean writesFail;
    private volatile boolean closed;

    private DurableLog(RocksDB db, DBOptions dbOptions, ColumnFamilyOptions familyOptions,
                       List<ColumnFamilyHandle> handles, Path directory, FsyncPolicy policy, Duration syncInterval) {
        this.db = db;
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.handles = handles;
        this.syncEachCommit = policy == FsyncPolicy.ALWAYS;
        this.secret = readOrCreateSecret();
        this.commitLog = recoverCommitLog(directory.resolve("commit-log"));
        this.committer = Thread.ofPlatform().name("postbox-committer").daemon().start(this::commitLoop);
        this.checkpointer = Thread.ofPlatform().name("postbox-checkpointer").daemon().start(this::checkpointLoop);
        this.walSyncer = policy == FsyncPolicy.INTERVAL
                ? Thread.ofPlatform().name("postbox-wal-sync").daemon().start(() -> syncLoop(syncInterval)) : null;
    }

    /** Replays the commit log above what RocksDB holds, makes that durable in RocksDB, and reclaims the log. */
    private CommitLog recoverCommitLog(Path logDirectory) {
        try {
            byte[] stored = db.get(handles.getFirst(), APPLIED_LSN_KEY);
            long applied = stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
            CommitLog log = CommitLog.open(logDirectory, SEGMENT_BYTES, applied, (lsn, payload) -> {
                try (WriteBatch batch = new WriteBatch(payload)) {
                    db.write(writeOptions, batch);
                }
            }, this::wantCheckpoint);
            appliedLsn = log.nextLsn() - 1;
            if (log.replayed() > 0) {
                db.flush(flushOptions, handles); // what was replayed is in memtables only: make it durable first
            }
            log.reclaimThrough(appliedLsn);
            return log;
        } catch (IOException | RocksDBException e) {
            throw new StorageException("cannot recover the commit log in " + logDirectory + ": " + e.getMessage(), e);
        }
    }

    static DurableLog open(Path directory, FsyncPolicy policy, Duration syncInterval) {
        RocksDB.loadLibrary();
        try {
            Files.createDirectories(directory);
        } catch (Exception e) {
            throw new StorageException("cannot create data directory " + directory + ": " + e.getMessage(), e);
        }
        if (!Files.isReadable(directory) || !Files.isWritable(directory)) {
            throw new StorageException("data directory " + directory + " is not readable and writable by this user");
        }
        // atomic_flush: with RocksDB's WAL off, a flush must cover every family up to the same write (decision 0014).
        DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2).setAtomicFlush(true)
                .setAvoidFlushDuringShutdown(true); // close() checkpoints itself; the kill test needs none
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions().optimizeLevelStyleCompaction();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
        for (ColumnFamily family : ColumnFamily.values()) {
            descriptors.add(new ColumnFamilyDescriptor(family.name().toLowerCase().getBytes(StandardCharsets.UTF_8),
                    familyOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        try {
            db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            String detail = String.valueOf(e.getMessage());
            if (detail.contains("lock") || detail.contains("Resource temporarily unavailable")) {
                throw new StorageException("data directory " + directory + " is in use by another Postbox process"
                        + " (its LOCK file is held); stop that process or choose another --data-dir", e);
            }
            throw new StorageException("cannot open data directory " + directory + ": " + detail, e);
        }
        try {
            byte[] version = db.get(handles.getFirst(), FORMAT_KEY);
            if (version == null || ByteBuffer.wrap(version).getInt() < FORMAT_VERSION) {
                // new, or version 1: RocksDB has just replayed its own WAL; from here on the commit log is the WAL
                db.put(handles.getFirst(), new WriteOptions().setSync(true), FORMAT_KEY,
                        ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
            } else if (ByteBuffer.wrap(version).getInt() > FORMAT_VERSION) {
                int found = ByteBuffer.wrap(version).getInt();
                handles.forEach(ColumnFamilyHandle::close);
                db.close();
                throw new StorageException("data directory " + directory + " has format version " + found
                        + ", written by a newer Postbox; this version reads format " + FORMAT_VERSION
                        + " and will not touch it");
            }
        } catch (RocksDBException e) {
            throw new StorageException("cannot read data directory " + directory + ": " + e.getMessage(), e);
        }
        try {
            return new DurableLog(db, dbOptions, familyOptions, handles, directory, policy, syncInterval);
        } catch (RuntimeException e) {
            handles.forEach(ColumnFamilyHandle::close);
            db.close();
            throw e;
        }
    }

    byte[] secret() {
        return secret.clone();
    }

    private byte[] readOrCreateSecret() {
        try {
            byte[] existing = db.get(handles.getFirst(), SECRET_KEY);
            if (existing != null) {
                return existing;
            }
            byte[] created = new byte[32];
            new SecureRandom().nextBytes(created);
            db.put(handles.getFirst(), new WriteOptions().setSync(true), SECRET_KEY, created);
            return created;
        } catch (RocksDBException e) {
            throw new StorageException("cannot read or write the receipt handle secret: " + e.getMessage(), e);
        }
    }

    ColumnFamilyHandle handle(ColumnFamily family) {
        return handles.get(family.ordinal() + 1);
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

    /** Runs until the log is closed and every submitted batch is committed. */
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
                    for (BiConsumer<WriteBatch, DurableLog> change : group.get(to).batch().changes) {
                        change.accept(writeBatch, this);
                    }
                    to++;
                } while (to < group.size() && writeBatch.getDataSize() < MAX_COMMIT_BYTES);
                built = true;
                write(writeBatch);
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
        writeBatch.put(handles.getFirst(), APPLIED_LSN_KEY, ByteBuffer.allocate(8).putLong(lsn).array());
        commitLog.append(writeBatch.data());
        try {
            if (syncEachCommit) {
                commitLog.sync();
            }
            db.write(writeOptions, writeBatch);
        } catch (IOException | RocksDBException e) {
            commitLog.discardLast(); // its requests get an error: the record must not come back at recovery
            throw e;
        }
        appliedLsn = lsn;
    }

    private void complete(List<Pending> group, Throwable failure) {
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
                commitLog.sync();
            } catch (IOException e) {
                System.getLogger(DurableLog.class.getName()).log(System.Logger.Level.ERROR, "commit log sync failed",
                        e);
            }
        }
    }

    /** Called by the commit log (committer thread) when a segment filled or a spare will soon be needed. */
    private void wantCheckpoint() {
        checkpointWanted = true;
        LockSupport.unpark(checkpointer);
    }

    private void checkpointLoop() {
        while (!closed) {
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
            if (!checkpointWanted || closed) {
                continue;
            }
            checkpointWanted = false;
            try {
                checkpoint();
                commitLog.ensureSpare();
            } catch (IOException | RocksDBException e) {
                System.getLogger(DurableLog.class.getName()).log(System.Logger.Level.ERROR, "checkpoint failed"
                        + " (the commit log keeps every segment until one succeeds)", e);
            }
        }
    }

    /** Flushes RocksDB's memtables to its table files, then reclaims the log segments that flush made redundant. */
    private void checkpoint() throws IOException, RocksDBException {
        if (!commitLog.hasFilled()) {
            return;
        }
        long durable = appliedLsn; // read before the flush: the flush covers at least this much
        db.flush(flushOptions, handles);
        commitLog.reclaimThrough(durable);
    }

    /** Reads many keys of one family at once; missing keys give null entries. */
    List<byte[]> multiGet(ColumnFamily family, List<byte[]> keys) {
        try {
            List<ColumnFamilyHandle> familyHandles = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                familyHandles.add(handle(family));
            }
            return db.multiGetAsList(familyHandles, keys);
        } catch (RocksDBException e) {
            throw new IllegalStateException("read failed: " + e.getMessage(), e);
        }
    }

    /** Calls {@code visitor} for every entry of the family whose key starts with {@code prefix}, in key order. */
    void scan(ColumnFamily family, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        try (ReadOptions options = new ReadOptions().setFillCache(false);
             RocksIterator it = db.newIterator(handle(family), options)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (key.length < prefix.length || !Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                visitor.accept(key, it.value());
            }
        }
    }

    /**
     * Like {@link #scan}, but hands out reused direct buffers (valid only during the call) instead of copying every
     * key and value: recovery reads millions of index entries this way.
     */
    void scanBuffers(ColumnFamily family, byte[] prefix, BiConsumer<ByteBuffer, ByteBuffer> visitor) {
        ByteBuffer key = ByteBuffer.allocateDirect(256);
        ByteBuffer value = ByteBuffer.allocateDirect(1024);
        try (ReadOptions options = new ReadOptions().setFillCache(false).setReadaheadSize(4 << 20);
             RocksIterator it = db.newIterator(handle(family), options)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                key.clear();
                int keyLength = it.key(key);
                if (keyLength > key.capacity()) {
                    key = ByteBuffer.allocateDirect(keyLength * 2);
                    it.key(key);
                }
                if (keyLength < prefix.length || !startsWith(key, prefix)) {
                    break;
                }
                value.clear();
                int valueLength = it.value(value);
                if (valueLength > value.capacity()) {
                    value = ByteBuffer.allocateDirect(valueLength * 2);
                    it.value(value);
                }
                visitor.accept(key, value);
            }
        }
    }

    private static boolean startsWith(ByteBuffer key, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (key.get(key.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        close(true);
    }

    /** Test hook: {@link #close} without the final checkpoint, so the next open replays the log as after a kill. */
    void closeAsIfKilled() {
        close(false);
    }

    private void close(boolean checkpoint) {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(checkpointer);
        try {
            committer.join(Duration.ofSeconds(10));
            checkpointer.join(Duration.ofSeconds(10));
            if (walSyncer != null) {
                LockSupport.unpark(walSyncer);
                walSyncer.join(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (checkpoint) {
            try {
                // Everything into RocksDB's table files, so the next start has no log to replay.
                commitLog.sync();
                commitLog.retireActive();
                long durable = appliedLsn;
                db.flush(flushOptions, handles);
                commitLog.reclaimThrough(durable);
            } catch (IOException | RocksDBException e) {
                // the log still holds every record; the next start replays it
            }
        }
        try {
            commitLog.close();
        } catch (IOException e) {
            // nothing more to keep
        }
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        writeOptions.close();
        flushOptions.close();
        dbOptions.close();
        familyOptions.close();
    }

    private interface RocksAction {
        void run() throws RocksDBException;
    }

    private static void uncheck(RocksAction action) {
        try {
            action.run();
        } catch (RocksDBException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
