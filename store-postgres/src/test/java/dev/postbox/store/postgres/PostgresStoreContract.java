package dev.postbox.store.postgres;

import dev.postbox.core.store.QueueStore;
import dev.postbox.testkit.QueueStoreContract;

/** The store contract on a real PostgreSQL; each test starts from empty tables. */
abstract class PostgresStoreContract extends QueueStoreContract {
    /** The database the store under test lives in. */
    protected abstract PostgresDatabase database();

    @Override
    protected QueueStore newStore() {
        TestDatabase.truncate(database());
        return database().newStore();
    }

    @Override
    protected boolean invariantsHold(QueueStore store) {
        return true; // the database keeps its own constraints
    }
}
