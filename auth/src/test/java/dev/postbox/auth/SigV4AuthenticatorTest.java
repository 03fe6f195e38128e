package dev.postbox.auth;

import com.amazonaws.DefaultRequest;
import com.amazonaws.auth.AWS4Signer;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.auth.BasicSessionCredentials;
import com.amazonaws.http.HttpMethodName;
import dev.postbox.core.SqsException;
import dev.postbox.protocol.Authenticator;
import dev.postbox.protocol.HttpExchange;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Requests signed by AWS SDK for Java v1's signer (an implementation independent of the SDK v2 signer the check
 * uses), in both forms, accepted; and the same requests changed after signing, each refused with SQS's error.
 */
class SigV4AuthenticatorTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:30:00Z");
    private static final Identity ALICE = new Identity("AKIDALICE", "alice-secret", "111122223333", "AIDAALICE", null);
    private static final Identity TEMPORARY = new Identity("ASIATEMP", "temp-secret", "111122223333", "AROATEMP:s",
            "the-session-token");
    private static final String BODY = "Action=SendMessage&QueueUrl=http%3A%2F%2Flocalhost%3A9324%2F111122223333%2Fq"
            + "&MessageBody=hello%20world&Version=2012-11-05";

    private final Identities identities = Identities.of(ALICE, null, "000000000000");

    private static Identities both() {
        return new Identities2(ALICE, TEMPORARY).identities;
    }

    /** Two identities without a file: the configured one and one more through a file written here. */
    private record Identities2(Identities identities) {
        Identities2(Identity first, Identity second) {
            this(write(first, second));
        }

        private static Identities write(Identity first, Identity second) {
            try {
                java.nio.file.Path file = java.nio.file.Files.createTempFile("identities", ".json");
                java.nio.file.Files.writeString(file, "{\"identities\": [{\"accessKeyId\": \"" + second.accessKeyId()
                        + "\", \"secretAccessKey\": \"" + second.secretAccessKey() + "\", \"accountId\": \""
                        + second.accountId() + "\", \"principalId\": \"" + second.principalId()
                        + "\", \"sessionToken\": \"" + second.sessionToken() + "\"}]}");
                return Identities.of(first, file, "000000000000");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    // ---- signing with SDK v1 ------------------------------------------------------------------------------------

    private static DefaultRequest<Void> unsigned(HttpMethodName method, String path, String body) {
        DefaultRequest<Void> request = new DefaultRequest<>("AmazonSQS");
        request.setHttpMethod(method);
        request.setEndpoint(URI.create("http://localhost:9324"));
        request.setResourcePath(path);
        if (body != null) {
            request.addHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
            request.setContent(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    private static AWS4Signer signer(String region, Instant at) {
        AWS4Signer signer = new AWS4Signer();
        signer.setServiceName("sqs");
        signer.setRegionName(region);
        signer.setOverrideDate(Date.from(at));
        return signer;
    }

    private static HttpExchange.Request headerSigned(Identity identity, String region, Instant at) {
        DefaultRequest<Void> request = unsigned(HttpMethodName.POST, "/", BODY);
        signer(region, at).sign(request, identity.sessionToken() == null
                ? new BasicAWSCredentials(identity.accessKeyId(), identity.secretAccessKey())
                : new BasicSessionCredentials(identity.accessKeyId(), identity.secretAccessKey(),
                identity.sessionToken()));
        return received(request, BODY);
    }

    /** Presigned at {@code at}, valid for about {@code seconds} (SDK v1 counts them from the wall clock's now). */
    private static HttpExchange.Request presigned(Identity identity, Instant at, long seconds) {
        DefaultRequest<Void> request = unsigned(HttpMethodName.GET, "/111122223333/q", null);
        request.addParameter("Action", "ReceiveMessage");
        request.addParameter("MaxNumberOfMessages", "10");
        request.addParameter("Version", "2012-11-05");
        signer("us-east-1", at).presignRequest(request, new BasicAWSCredentials(identity.accessKeyId(),
                identity.secretAccessKey()), new Date(System.currentTimeMillis() + seconds * 1000 + 500));
        return received(request, "");
    }

    /** The request as Postbox's HTTP layer hands it over. */
    private static HttpExchange.Request received(DefaultRequest<Void> request, String body) {
        Map<String, String> headers = new HashMap<>();
        request.getHeaders().forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
        headers.putIfAbsent("host", "localhost:9324");
        String query = request.getParameters().entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue().get(0)))
                .collect(Collectors.joining("&"));
        return new HttpExchange.Request(request.getHttpMethod().name(), request.getResourcePath(), query,
                HttpExchange.Headers.ofLowerCase(headers), body.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private Authenticator.Caller check(Identities known, HttpExchange.Request request, Instant now) {
        return new SigV4Authenticator(known, InstantSource.fixed(now)).authenticate(request);
    }

    private void refused(Identities known, HttpExchange.Request request, Instant now, String code, String message) {
        assertThatThrownBy(() -> check(known, request, now)).isInstanceOfSatisfying(SqsException.class, e -> {
            assertThat(e.code().queryCode()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }

    private void refused(HttpExchange.Request request, String code, String message) {
        refused(identities, request, NOW, code, message);
    }

    private static HttpExchange.Request withHeader(HttpExchange.Request request, String name,
                                                   UnaryOperator<String> change) {
        return new HttpExchange.Request(request.method(), request.path(), request.rawQuery(),
                n -> n.equalsIgnoreCase(name) ? change.apply(request.header(n)) : request.header(n), request.body());
    }

    // ---- accepted -----------------------------------------------------------------------------------------------

    @Test
    void aRequestSignedInItsHeaderIsLetInAsItsIdentity() {
        assertThat(check(identities, headerSigned(ALICE, "us-east-1", NOW.minusSeconds(60)), NOW))
                .isEqualTo(new Authenticator.Caller("111122223333", "AIDAALICE", true, "us-east-1"));
    }

    @Test
    void theRequestIsForTheRegionItsScopeNames() {
        assertThat(check(identities, headerSigned(ALICE, "eu-west-1", NOW), NOW))
                .isEqualTo(new Authenticator.Caller("111122223333", "AIDAALICE", true, "eu-west-1"));
        assertThat(check(identities, headerSigned(ALICE, "elasticmq", NOW), NOW).region()).isEqualTo("elasticmq");
    }

    @Test
    void aScopeThatCannotNameARegionIsRefused() {
        refused(headerSigned(ALICE, "EU_West", NOW), "SignatureDoesNotMatch",
                "Credential should be scoped to a valid region, not 'EU_West'. ");
    }

    @Test
    void temporaryCredentialsAreLetInWithTheirSessionToken() {
        assertThat(check(both(), headerSigned(TEMPORARY, "us-east-1", NOW), NOW).principalId())
                .isEqualTo("AROATEMP:s");
    }

    @Test
    void aPresignedUrlIsLetInUntilItExpires() {
        HttpExchange.Request request = presigned(ALICE, NOW, 300);
        // SDK v1 counts the seconds from its own reading of the wall clock: 300, or 299 after a stall.
        assertThat(request.rawQuery()).containsPattern("X-Amz-Expires=(299|300)");
        assertThat(check(identities, request, NOW.plusSeconds(290)).principalId()).isEqualTo("AIDAALICE");
        refused(identities, request, NOW.plusSeconds(301), "SignatureDoesNotMatch", "Signature expired");
    }

    // ---- refused ------------------------------------------------------------------------------------------------

    @Test
    void aRequestWithoutAnySignatureIsMissingItsToken() {
        refused(new HttpExchange.Request("POST", "/", "", HttpExchange.Headers.ofLowerCase(Map.of("host", "h")),
                        BODY.getBytes(StandardCharsets.UTF_8)), "MissingAuthenticationToken",
                "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.");
    }

    @Test
    void anUnknownKeyIsAnInvalidClientToken() {
        refused(headerSigned(new Identity("AKIDNOBODY", "x", "111122223333", "p", null), "us-east-1", NOW),
                "InvalidClientTokenId", "The security token included in the request is invalid.");
    }

    @Test
    void aWrongSecretDoesNotMatch() {
        refused(headerSigned(new Identity("AKIDALICE", "guessed", "111122223333", "p", null), "us-east-1", NOW),
                "SignatureDoesNotMatch", "The request signature we calculated does not match");
    }

    @Test
    void aBodyChangedAfterSigningDoesNotMatch() {
        HttpExchange.Request signed = headerSigned(ALICE, "us-east-1", NOW);
        refused(new HttpExchange.Request(signed.method(), signed.path(), signed.rawQuery(), signed.headers(),
                BODY.replace("hello", "jello").getBytes(StandardCharsets.UTF_8)), "SignatureDoesNotMatch",
                "does not match");
    }

    @Test
    void aSignedHeaderChangedAfterSigningDoesNotMatch() {
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "content-type", v -> "text/plain"),
                "SignatureDoesNotMatch", "does not match");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "host", v -> "elsewhere:9324"),
                "SignatureDoesNotMatch", "does not match");
    }

    @Test
    void aPathOrQueryChangedAfterSigningDoesNotMatch() {
        HttpExchange.Request signed = presigned(ALICE, NOW, 300);
        refused(new HttpExchange.Request(signed.method(), "/111122223333/other", signed.rawQuery(), signed.headers(),
                signed.body()), "SignatureDoesNotMatch", "does not match");
        refused(new HttpExchange.Request(signed.method(), signed.path(), signed.rawQuery()
                        .replace("MaxNumberOfMessages=10", "MaxNumberOfMessages=1"), signed.headers(), signed.body()),
                "SignatureDoesNotMatch", "does not match");
        refused(new HttpExchange.Request(signed.method(), signed.path(), signed.rawQuery()
                        .replace("Action=ReceiveMessage", "Action=PurgeQueue"), signed.headers(), signed.body()),
                "SignatureDoesNotMatch", "does not match");
    }

    @Test
    void aScopeChangedAfterSigningDoesNotMatch() {
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replace("/us-east-1/", "/eu-west-1/")), "SignatureDoesNotMatch", "does not match");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replace("/sqs/", "/sns/")), "SignatureDoesNotMatch",
                "Credential should be scoped to correct service: 'sqs'.");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replace("/aws4_request", "/aws5_request")), "SignatureDoesNotMatch", "valid terminator");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replace("/20261203/", "/20261202/")), "SignatureDoesNotMatch",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                        + "'20261202' != '20261203', from '20261203T103000Z'.");
    }

    @Test
    void aDateOutsideFifteenMinutesIsRefusedEitherWay() {
        refused(headerSigned(ALICE, "us-east-1", NOW.minusSeconds(16 * 60)), "SignatureDoesNotMatch",
                "Signature expired: 20261203T101400Z is now earlier than 20261203T101500Z (20261203T103000Z - 15"
                        + " min.)");
        refused(headerSigned(ALICE, "us-east-1", NOW.plusSeconds(16 * 60)), "SignatureDoesNotMatch",
                "Signature not yet current: 20261203T104600Z is still later than 20261203T104500Z"
                        + " (20261203T103000Z + 15 min.)");
        assertThat(check(identities, headerSigned(ALICE, "us-east-1", NOW.minusSeconds(14 * 60)), NOW)).isNotNull();
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "x-amz-date", v -> "20261203T103100Z"),
                "SignatureDoesNotMatch", "does not match");
    }

    @Test
    void aWrongOrMissingSessionTokenIsAnInvalidClientToken() {
        refused(both(), withHeader(headerSigned(TEMPORARY, "us-east-1", NOW), "x-amz-security-token",
                v -> "another-token"), NOW, "InvalidClientTokenId", "The security token included");
        refused(both(), withHeader(headerSigned(TEMPORARY, "us-east-1", NOW), "x-amz-security-token", v -> null),
                NOW, "InvalidClientTokenId", "The security token included");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "x-amz-security-token", v -> "made-up"),
                "InvalidClientTokenId", "The security token included");
    }

    @Test
    void aPayloadHashThatIsNotTheBodysIsRefused() {
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "x-amz-content-sha256",
                v -> SigV4Authenticator.sha256Hex("other".getBytes(StandardCharsets.UTF_8))),
                "SignatureDoesNotMatch", "x-amz-content-sha256");
    }

    @Test
    void anIncompleteAuthorizationHeaderSaysWhatIsMissing() {
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replaceAll(", Signature=[0-9a-f]+", "")), "IncompleteSignature",
                "Authorization header requires 'Signature' parameter.");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replaceFirst("Credential=[^,]+, ", "")), "IncompleteSignature",
                "Authorization header requires 'Credential' parameter.");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v + ", Credential=AKIDALICE/20261203/us-east-1/sqs/aws4_request"), "IncompleteSignature",
                "more than once");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replace("AKIDALICE/", "")), "IncompleteSignature",
                "Credential must have exactly 5 slash-delimited elements");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "x-amz-date", v -> null), "IncompleteSignature",
                "requires existence of either a 'X-Amz-Date' or a 'Date' header");
        refused(withHeader(headerSigned(ALICE, "us-east-1", NOW), "authorization",
                v -> v.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")), "IncompleteSignature", "algorithm");
    }

    @Test
    void anIncompletePresignedUrlSaysWhatIsMissing() {
        HttpExchange.Request signed = presigned(ALICE, NOW, 300);
        refused(new HttpExchange.Request(signed.method(), signed.path(), signed.rawQuery()
                        .replaceAll("&?X-Amz-Signature=[0-9a-f]+", ""), signed.headers(), signed.body()),
                "IncompleteSignature", "AWS query-string parameters must include 'X-Amz-Signature'.");
        refused(new HttpExchange.Request(signed.method(), signed.path(), signed.rawQuery()
                        + "&X-Amz-Signature=00", signed.headers(), signed.body()),
                "IncompleteSignature", "only once");
    }
}
