package dev.postbox.it;

/** {@link FifoQueueSpec} through AWS SDK for Java v1 1.12.583 (query protocol, XML responses). */
class FifoQueueQueryIT extends FifoQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }
}
