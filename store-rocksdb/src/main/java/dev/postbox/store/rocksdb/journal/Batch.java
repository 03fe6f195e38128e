package dev.postbox.store.rocksdb.journal;

import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * One atomic set of changes for the {@link Journal}, and its effects on memory once they are durable (or once they
 * failed). Built by request threads; read by the committer.
 */
public final class Batch {
    /** One change, applied to the group's write batch by the committer. */
    interface Change {
        void applyTo(WriteBatch batch, RocksDatabase database) throws RocksDBException;
    }

    final List<Change> changes = new ArrayList<>();
    final List<Runnable> onCommitted = new ArrayList<>();
    final List<Runnable> onFailed = new ArrayList<>();

    public Batch put(ColumnFamily family, byte[] key, byte[] value) {
        changes.add((batch, database) -> batch.put(database.handle(family), key, value));
        return this;
    }

    public Batch delete(ColumnFamily family, byte[] key) {
        changes.add((batch, database) -> batch.delete(database.handle(family), key));
        return this;
    }

    public Batch deleteRange(ColumnFamily family, byte[] from, byte[] toExclusive) {
        changes.add((batch, database) -> batch.deleteRange(database.handle(family), from, toExclusive));
        return this;
    }

    /** Runs on the committer thread, in submission order, once the batch is durable (and before its future). */
    public Batch onCommitted(Runnable effect) {
        onCommitted.add(effect);
        return this;
    }

    /** Runs on the committer thread if the batch could not be made durable (nothing of it was). */
    public Batch onFailed(Runnable effect) {
        onFailed.add(effect);
        return this;
    }

    public boolean isEmpty() {
        return changes.isEmpty() && onCommitted.isEmpty();
    }
}
