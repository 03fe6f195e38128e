package dev.postbox.it;

/** {@link RedriveSpec} through AWS SDK for Java v2 (AWS JSON 1.0). */
class RedriveJsonIT extends RedriveSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }
}
