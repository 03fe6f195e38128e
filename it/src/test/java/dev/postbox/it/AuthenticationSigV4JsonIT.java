package dev.postbox.it;

/** {@link AuthenticationSpec} through AWS SDK for Java v2 (AWS JSON 1.0). */
class AuthenticationSigV4JsonIT extends AuthenticationSpec {
    @Override
    SqsClientUnderTest newClient(String endpoint) {
        return new JsonSdkClient(endpoint);
    }

    @Override
    SqsClientUnderTest newClient(String endpoint, String accessKeyId, String secretAccessKey) {
        return new JsonSdkClient(endpoint, accessKeyId, secretAccessKey);
    }
}
