package dev.postbox.it;

/** {@link StandardQueueSpec} through AWS SDK for Java v2 (AWS JSON 1.0). */
class StandardQueueJsonIT extends StandardQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }
}
