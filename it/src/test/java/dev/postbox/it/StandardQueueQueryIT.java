package dev.postbox.it;

/** {@link StandardQueueSpec} through AWS SDK for Java v1 1.12.583 (query protocol, XML responses). */
class StandardQueueQueryIT extends StandardQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }
}
