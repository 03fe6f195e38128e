package dev.postbox.it;

import java.io.IOException;
import java.util.Map;

/** {@link RedriveSpec} on the durable embedded store (RocksDB, fsync always), through the Json protocol. */
class RedriveDurableJsonIT extends RedriveSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }

    @Override
    Map<String, String> storageFlags() throws IOException {
        return durableStorage();
    }
}
