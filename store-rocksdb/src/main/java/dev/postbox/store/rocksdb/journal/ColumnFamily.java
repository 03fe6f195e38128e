package dev.postbox.store.rocksdb.journal;

/**
 * RocksDB's column families, besides {@code default}: {@code queues} (queue records by account/name),
 * {@code messages} (payloads), {@code index} (what recovery needs per message), {@code dedup} (FIFO deduplication
 * keys). The {@code default} family holds the format version, the receipt secret, the applied LSN, and the
 * store-wide state of {@link Codec.StateKeys}. Keys of one queue's messages sort by incarnation, then sequence.
 */
public enum ColumnFamily {
    DEFAULT, QUEUES, MESSAGES, INDEX, DEDUP
}
