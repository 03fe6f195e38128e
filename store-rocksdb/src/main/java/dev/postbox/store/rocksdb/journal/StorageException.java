package dev.postbox.store.rocksdb.journal;

/** The data directory cannot be used (locked, unreadable, from a newer format); the message is for a person. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
