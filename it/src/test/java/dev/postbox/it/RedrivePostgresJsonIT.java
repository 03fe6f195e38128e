package dev.postbox.it;

import java.util.Map;

/** {@link RedriveSpec} on the postgres store (a real PostgreSQL), through the Json protocol. */
class RedrivePostgresJsonIT extends RedriveSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }

    @Override
    Map<String, String> storageFlags() {
        return postgresStorage();
    }
}
