package dev.postbox.it;

import dev.postbox.server.PostboxConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;

/** {@link FifoQueueSpec} on the durable embedded store (RocksDB, fsync always), through the Query protocol. */
class FifoQueueDurableQueryIT extends FifoQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    Map<String, String> storageFlags() throws IOException {
        return Map.of(PostboxConfig.STORAGE_KIND, "embedded",
                PostboxConfig.STORAGE_DATA_DIR, Files.createTempDirectory("postbox-spec").toString());
    }
}
