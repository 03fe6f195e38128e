package dev.postbox.store.rocksdb.journal;

/** Reaches the journal's fault for tests in other packages: while set, every write fails as on a full disk. */
public final class JournalFaults {
    private JournalFaults() {
    }

    public static void failWrites(Journal journal, boolean failing) {
        journal.failWrites(failing);
    }
}
