package dev.postbox.it;

/** The spec through AWS SDK for Java v1 (query protocol, XML responses). */
class QueryProtocolIT extends SqsSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }
}
