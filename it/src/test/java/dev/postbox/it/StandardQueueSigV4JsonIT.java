package dev.postbox.it;

import java.util.Map;

/** {@link StandardQueueSpec} through AWS SDK for Java v2 (AWS JSON 1.0), every request's signature checked (auth.mode sigv4). */
class StandardQueueSigV4JsonIT extends StandardQueueSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }

    @Override
    Map<String, String> authFlags() throws java.io.IOException {
        return sigV4();
    }
}
