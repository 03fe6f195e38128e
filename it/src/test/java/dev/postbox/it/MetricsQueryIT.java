package dev.postbox.it;

/** {@link MetricsSpec} through AWS SDK for Java v1 (query protocol). */
class MetricsQueryIT extends MetricsSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }
}
