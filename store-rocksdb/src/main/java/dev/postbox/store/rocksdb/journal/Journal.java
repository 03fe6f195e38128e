package dev.postbox.store.rocksdb.journal;

import org.rocksdb.RocksDBException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * What the durable store writes through and reads from: RocksDB ({@link RocksDatabase}) under Postbox's own
 * write-ahead log ({@link CommitLog}), with group commit ({@link GroupCommitter}) and checkpoints
 * ({@link Checkpointer}). Opening it recovers: RocksDB opens with what it had flushed, the commit log replays every
 * record above that, a flush makes the replay durable, and the log is reclaimed (decision 0014).
 *
 * <p>Threads: {@link #submit} never blocks (the committer thread completes the future); reads ({@link #multiGet},
 * {@link #scan}) block on RocksDB and belong on threads that may.
 */
public final class Journal implements AutoCloseable {
    /**
     * @param directory          the data directory
     * @param fsync              when the commit log is synced
     * @param fsyncInterval      the sync interval of {@link FsyncPolicy#INTERVAL}
     * @param segmentBytes       the size of new commit-log segments (existing ones keep theirs)
     */
    public record Settings(Path directory, FsyncPolicy fsync, Duration fsyncInterval, int segmentBytes) {
        public static final int DEFAULT_SEGMENT_BYTES = CommitLog.DEFAULT_SEGMENT_BYTES;
    }

    private final RocksDatabase database;
    private final CommitLog commitLog;
    private final GroupCommitter committer;
    private final Checkpointer checkpointer;
    private final byte[] secret;
    private volatile boolean checkpointWanted;
    private volatile boolean closed;

    private Journal(RocksDatabase database, Settings settings) throws IOException, RocksDBException {
        this.database = database;
        this.secret = database.readOrCreateSecret();
        this.commitLog = recover(database, settings.directory().resolve("commit-log"), settings.segmentBytes(),
                this::wantCheckpoint);
        this.committer = new GroupCommitter(database, commitLog, settings.fsync(), settings.fsyncInterval());
        this.checkpointer = new Checkpointer(database, commitLog, committer::appliedLsn);
        checkpointer.start();
        if (checkpointWanted) {
            checkpointer.want();
        }
    }

    /** Opens (or creates) the data directory and recovers it. */
    public static Journal open(Settings settings) {
        RocksDatabase database = RocksDatabase.open(settings.directory());
        try {
            return new Journal(database, settings);
        } catch (IOException | RocksDBException e) {
            database.close();
            throw new StorageException("cannot recover the commit log in " + settings.directory().resolve("commit-log")
                    + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Replays the commit log above what RocksDB holds, makes that durable in RocksDB, and reclaims the log. */
    private static CommitLog recover(RocksDatabase database, Path logDirectory, int segmentBytes,
                                     Runnable wantCheckpoint) throws IOException, RocksDBException {
        CommitLog log = CommitLog.open(logDirectory, segmentBytes, database.appliedLsn(), (lsn, payload) -> {
            try (org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch(payload)) {
                database.apply(batch);
            }
        }, wantCheckpoint);
        if (log.replayed() > 0) {
            database.flush(); // what was replayed is in memtables only: make it durable first
        }
        log.reclaimThrough(log.nextLsn() - 1);
        return log;
    }

    private void wantCheckpoint() {
        checkpointWanted = true;
        Checkpointer current = checkpointer;
        if (current != null) {
            current.want();
        }
    }

    /** The key that authenticates receipt handles; kept with the data so handles outlive restarts. */
    public byte[] secret() {
        return secret.clone();
    }

    /** Queues the batch for the next group commit; the future completes after its effects ran. */
    /** What the group committer did since the journal opened (the metrics). */
    public CommitStats commitStats() {
        return committer.stats();
    }

    public CompletableFuture<Void> submit(Batch batch) {
        return committer.submit(batch);
    }

    /** Reads many keys of one family at once; missing keys give null entries. */
    public List<byte[]> multiGet(ColumnFamily family, List<byte[]> keys) {
        return database.multiGet(family, keys);
    }

    /** Calls {@code visitor} for every entry of the family whose key starts with {@code prefix}, in key order. */
    public void scan(ColumnFamily family, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        database.scan(family, prefix, visitor);
    }

    /** Like {@link #scan}, with reused buffers valid only during each call (millions of entries at recovery). */
    public void scanBuffers(ColumnFamily family, byte[] prefix, BiConsumer<ByteBuffer, ByteBuffer> visitor) {
        database.scanBuffers(family, prefix, visitor);
    }

    /** A fault for tests of the error path: while set, every write fails as on a full disk. */
    void failWrites(boolean failing) {
        committer.failWrites(failing);
    }

    /** Commits what was submitted, checkpoints everything (the next start replays nothing) and closes. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        committer.close();
        checkpointer.close();
        try {
            checkpointer.checkpointAll();
        } catch (IOException | RocksDBException e) {
            // the log still holds every record; the next start replays it
        }
        try {
            commitLog.close();
        } catch (IOException e) {
            // nothing more to keep
        }
        database.close();
    }
}
