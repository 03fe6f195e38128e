package dev.postbox.it;

/** {@link AuthenticationSpec} through AWS SDK for Java v1 (query protocol). */
class AuthenticationSigV4QueryIT extends AuthenticationSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new QuerySdkClient(endpoint);
    }

    @Override
    SqsClientUnderTest newClient(String endpoint, String accessKeyId, String secretAccessKey) {
        return new QuerySdkClient(endpoint, accessKeyId, secretAccessKey);
    }
}
