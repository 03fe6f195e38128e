package dev.postbox.store.memory;

import dev.postbox.core.store.QueueStore;
import dev.postbox.testkit.QueueStoreContract;

class InMemoryQueueStoreTest extends QueueStoreContract {
    @Override
    protected QueueStore newStore() {
        return new InMemoryQueueStore();
    }

    @Override
    protected boolean invariantsHold(QueueStore store) {
        return ((InMemoryQueueStore) store).invariantsHold();
    }
}
