package dev.postbox.it;

/** {@link MetricsSpec} through AWS SDK for Java v2 (AWS JSON 1.0). */
class MetricsJsonIT extends MetricsSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }
}
