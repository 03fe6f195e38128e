package dev.postbox.store.rocksdb.journal;

/** When the commit log is synced to disk (configuration key {@code storage.fsync}). */
public enum FsyncPolicy {
    /** Before every acknowledgement: a group commit is synced before any of its requests is answered. */
    ALWAYS,
    /** Every {@code storage.fsync-interval-ms}: acknowledged changes of the last interval can be lost in a machine crash. */
    INTERVAL
}
