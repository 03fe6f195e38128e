package dev.postbox.it;

/** {@link FifoQueueSpec} through AWS SDK for Java v2 (AWS JSON 1.0). */
class FifoQueueJsonIT extends FifoQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }
}
