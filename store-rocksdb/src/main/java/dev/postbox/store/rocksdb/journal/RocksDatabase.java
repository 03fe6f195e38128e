package dev.postbox.store.rocksdb.journal;

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

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * The RocksDB database of a data directory: opening it (format version, column families, the receipt-handle
 * secret), applying write batches without RocksDB's own WAL (the {@link CommitLog} is the WAL: decision 0014),
 * reads, and flushes. Thread-safe as RocksDB is.
 */
final class RocksDatabase implements AutoCloseable {
    /** 1: RocksDB's own WAL; 2: the {@link CommitLog} (a version-1 reader would ignore it, so it must refuse). */
    static final int FORMAT_VERSION = 2;
    private static final byte[] FORMAT_KEY = "format-version".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECRET_KEY = "receipt-handle-secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] APPLIED_LSN_KEY = "applied-lsn".getBytes(StandardCharsets.UTF_8);

    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;
    private final List<ColumnFamilyHandle> handles;
    private final WriteOptions withoutWal = new WriteOptions().setDisableWAL(true);
    private final FlushOptions flushOptions = new FlushOptions().setWaitForFlush(true);

    private RocksDatabase(RocksDB db, DBOptions dbOptions, ColumnFamilyOptions familyOptions,
                          List<ColumnFamilyHandle> handles) {
        this.db = db;
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.handles = handles;
    }

    /** Opens (or creates) the database; refuses a directory in use or of a newer format, with a clear message. */
    static RocksDatabase open(Path directory) {
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
                .setAvoidFlushDuringShutdown(true); // the journal checkpoints itself when it closes cleanly
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions().optimizeLevelStyleCompaction();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (ColumnFamily family : ColumnFamily.values()) {
            byte[] name = family == ColumnFamily.DEFAULT ? RocksDB.DEFAULT_COLUMN_FAMILY
                    : family.name().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            descriptors.add(new ColumnFamilyDescriptor(name, familyOptions));
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
        RocksDatabase database = new RocksDatabase(db, dbOptions, familyOptions, handles);
        try {
            database.checkFormat(directory);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        return database;
    }

    private void checkFormat(Path directory) {
        try {
            byte[] version = db.get(handle(ColumnFamily.DEFAULT), FORMAT_KEY);
            if (version == null || ByteBuffer.wrap(version).getInt() < FORMAT_VERSION) {
                // new, or version 1: RocksDB has just replayed its own WAL; from here on the commit log is the WAL
                try (WriteOptions synced = new WriteOptions().setSync(true)) {
                    db.put(handle(ColumnFamily.DEFAULT), synced, FORMAT_KEY,
                            ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
                }
            } else if (ByteBuffer.wrap(version).getInt() > FORMAT_VERSION) {
                throw new StorageException("data directory " + directory + " has format version "
                        + ByteBuffer.wrap(version).getInt() + ", written by a newer Postbox; this version reads format "
                        + FORMAT_VERSION + " and will not touch it");
            }
        } catch (RocksDBException e) {
            throw new StorageException("cannot read data directory " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The key that authenticates receipt handles, created (and synced) on first use. */
    byte[] readOrCreateSecret() {
        try {
            byte[] existing = db.get(handle(ColumnFamily.DEFAULT), SECRET_KEY);
            if (existing != null) {
                return existing;
            }
            byte[] created = new byte[32];
            new SecureRandom().nextBytes(created);
            try (WriteOptions synced = new WriteOptions().setSync(true)) {
                db.put(handle(ColumnFamily.DEFAULT), synced, SECRET_KEY, created);
            }
            return created;
        } catch (RocksDBException e) {
            throw new StorageException("cannot read or write the receipt handle secret: " + e.getMessage(), e);
        }
    }

    /** The LSN of the last commit-log record this database holds (0 when none). */
    long appliedLsn() throws RocksDBException {
        byte[] stored = db.get(handle(ColumnFamily.DEFAULT), APPLIED_LSN_KEY);
        return stored == null ? 0 : ByteBuffer.wrap(stored).getLong();
    }

    /** Records in the batch that it carries the commit-log record {@code lsn} (see {@link #appliedLsn}). */
    void markApplied(WriteBatch batch, long lsn) throws RocksDBException {
        batch.put(handle(ColumnFamily.DEFAULT), APPLIED_LSN_KEY, ByteBuffer.allocate(8).putLong(lsn).array());
    }

    ColumnFamilyHandle handle(ColumnFamily family) {
        return handles.get(family.ordinal());
    }

    /** Applies a batch to the memtables, without RocksDB's WAL: the commit log holds it. */
    void apply(WriteBatch batch) throws RocksDBException {
        db.write(withoutWal, batch);
    }

    /** Flushes every family's memtables to table files, all up to the same write (atomic flush). */
    void flush() throws RocksDBException {
        db.flush(flushOptions, handles);
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
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        withoutWal.close();
        flushOptions.close();
        dbOptions.close();
        familyOptions.close();
    }
}
