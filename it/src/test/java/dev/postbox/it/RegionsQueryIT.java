package dev.postbox.it;

/** {@link RegionsSpec} through AWS SDK for Java v1 (query protocol), without authentication: the signature's region counts all the same. */
class RegionsQueryIT extends RegionsSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    SqsClientUnderTest newClient(String endpoint, String region) {
        return new QuerySdkClient(endpoint, "AKIDQUERY", "secret", region);
    }
}
