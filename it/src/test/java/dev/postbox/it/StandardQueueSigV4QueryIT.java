package dev.postbox.it;

import java.util.Map;

/** {@link StandardQueueSpec} through AWS SDK for Java v1 (query protocol), every request's signature checked (auth.mode sigv4). */
class StandardQueueSigV4QueryIT extends StandardQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    Map<String, String> authFlags() throws java.io.IOException {
        return sigV4();
    }
}
