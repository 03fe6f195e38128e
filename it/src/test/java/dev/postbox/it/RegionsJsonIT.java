package dev.postbox.it;

/** {@link RegionsSpec} through AWS SDK for Java v2 (AWS JSON 1.0), without authentication: the signature's region counts all the same. */
class RegionsJsonIT extends RegionsSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }

    @Override
    SqsClientUnderTest newClient(String endpoint, String region) {
        return new JsonSdkClient(endpoint, "AKIDJSON", "secret", region);
    }
}
