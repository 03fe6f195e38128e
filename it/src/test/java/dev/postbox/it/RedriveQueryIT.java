package dev.postbox.it;

/** {@link RedriveSpec} through AWS SDK for Java v1 1.12.583 (query protocol, XML responses). */
class RedriveQueryIT extends RedriveSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }
}
