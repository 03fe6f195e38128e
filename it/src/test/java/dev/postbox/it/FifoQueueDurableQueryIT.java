package dev.postbox.it;

import java.io.IOException;
import java.util.Map;

/** {@link FifoQueueSpec} on the durable embedded store (RocksDB, fsync always), through the Query protocol. */
class FifoQueueDurableQueryIT extends FifoQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    Map<String, String> storageFlags() throws IOException {
        return durableStorage();
    }
}
