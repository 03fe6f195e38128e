package dev.postbox.it;

import java.util.Map;

/** {@link FifoQueueSpec} on the postgres store (a real PostgreSQL), through the Query protocol. */
class FifoQueuePostgresQueryIT extends FifoQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    Map<String, String> storageFlags() {
        return postgresStorage();
    }
}
