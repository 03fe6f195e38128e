package dev.postbox.it;

import java.util.Map;

/** {@link MetricsSpec} on the embedded (durable) store, through AWS SDK for Java v1 (query protocol). */
class MetricsDurableQueryIT extends MetricsQueryIT {
    @Override
    Map<String, String> storageFlags() throws java.io.IOException {
        return durableStorage();
    }

    @Override
    boolean durable() {
        return true;
    }
}
