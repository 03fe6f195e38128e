package dev.postbox.it;

import java.util.Map;

/** {@link RedriveSpec} on the postgres store (a real PostgreSQL), through the Query protocol. */
class RedrivePostgresQueryIT extends RedriveSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    Map<String, String> storageFlags() {
        return postgresStorage();
    }
}
