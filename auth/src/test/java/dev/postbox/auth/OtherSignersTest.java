package dev.postbox.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postbox.protocol.HttpExchange;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The check agrees with the two other signers clients use: AWS SDK for Java v2's (which also signs a payload hash
 * header) and botocore's (boto3, the aws CLI), in both forms, a query string with characters to encode included.
 */
class OtherSignersTest {
    private static final Identity ALICE = new Identity("AKIDALICE", "alice-secret", "111122223333", "AIDAALICE", null);
    private static final String BODY = "{\"QueueUrl\":\"http://localhost:9324/111122223333/q\",\"MessageBody\":"
            + "\"h\\u00e9llo  w\\u00f6rld\"}";
    private final Identities identities = Identities.of(ALICE, null, "000000000000");

    private static HttpExchange.Request received(String method, URI uri, Map<String, List<String>> headers,
                                                 String body) {
        Map<String, String> lowerCase = new HashMap<>();
        headers.forEach((name, values) -> lowerCase.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        lowerCase.putIfAbsent("host", uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
        return new HttpExchange.Request(method, uri.getRawPath(), uri.getRawQuery() == null ? "" : uri.getRawQuery(),
                HttpExchange.Headers.ofLowerCase(lowerCase), body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void sdkV2SignaturesAreLetIn() {
        Instant at = Instant.parse("2026-12-03T10:30:00Z");
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://localhost:9324/"))
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", "AmazonSQS.SendMessage").build();
        var signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create("AKIDALICE",
                        "alice-secret")).request(request)
                .payload(ContentStreamProvider.fromUtf8String(BODY))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "sqs")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        assertThat(new SigV4Authenticator(identities, InstantSource.fixed(at)).authenticate(received("POST",
                signed.getUri(), signed.headers(), BODY)).principalId()).isEqualTo("AIDAALICE");

        SdkHttpRequest get = SdkHttpRequest.builder().method(SdkHttpMethod.GET)
                .uri(URI.create("http://localhost:9324/111122223333/q?Action=SendMessage&MessageBody="
                        + "a%20b%2Bc%3D%26%C3%A9*~&Version=2012-11-05")).build();
        var presigned = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create("AKIDALICE",
                        "alice-secret")).request(get)
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "sqs")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(5))
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        assertThat(new SigV4Authenticator(identities, InstantSource.fixed(at.plusSeconds(60))).authenticate(
                received("GET", presigned.getUri(), presigned.headers(), "")).principalId()).isEqualTo("AIDAALICE");
    }

    @Test
    void botocoreSignaturesAreLetIn() throws Exception {
        String script = """
                import json, sys
                from botocore.auth import SigV4Auth, SigV4QueryAuth
                from botocore.awsrequest import AWSRequest
                from botocore.credentials import Credentials
                creds = Credentials('AKIDALICE', 'alice-secret')
                body = sys.stdin.read()
                post = AWSRequest(method='POST', url='http://localhost:9324/', data=body.encode('utf-8'),
                                  headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
                SigV4Auth(creds, 'sqs', 'us-east-1').add_auth(post)
                get = AWSRequest(method='GET', url='http://localhost:9324/111122223333/q',
                                 params={'Action': 'SendMessage', 'MessageBody': 'a b+c=&\\u00e9*~', 'Version': '2012-11-05'})
                SigV4QueryAuth(creds, 'sqs', 'us-east-1', expires=300).add_auth(get)
                print(json.dumps({'headers': dict(post.headers.items()), 'url': get.prepare().url}))
                """;
        Process python;
        try {
            python = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no python3 here: " + e.getMessage());
            return;
        }
        python.getOutputStream().write(BODY.getBytes(StandardCharsets.UTF_8));
        python.getOutputStream().close();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Assumptions.assumeFalse(output.contains("No module named 'botocore'"), "botocore is not installed");
        assertThat(python.exitValue()).as(output).isZero();
        JsonNode signed = new ObjectMapper().readTree(output);
        Map<String, List<String>> headers = new HashMap<>();
        signed.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), List.of(h.getValue().asText())));
        SigV4Authenticator authenticator = new SigV4Authenticator(identities, InstantSource.system());
        assertThat(authenticator.authenticate(received("POST", URI.create("http://localhost:9324/"), headers, BODY))
                .principalId()).isEqualTo("AIDAALICE");
        URI url = URI.create(signed.get("url").asText());
        assertThat(url.getRawQuery()).contains("X-Amz-Signature=");
        assertThat(authenticator.authenticate(received("GET", url, Map.of(), "")).principalId())
                .isEqualTo("AIDAALICE");
    }
}
