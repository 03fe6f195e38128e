package dev.postbox.it;

/** The spec through AWS SDK for Java v2 (AWS JSON 1.0). */
class JsonProtocolIT extends SqsSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }
}
