package dev.postbox.it;

import com.amazonaws.ClientConfiguration;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.sqs.AmazonSQS;
import com.amazonaws.services.sqs.AmazonSQSClientBuilder;
import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS ({@code http.tls.certificate-file}, {@code http.tls.private-key-file}): both SDKs, trusting the test CA
 * ({@code src/test/resources/tls}), create, send and receive over it, and queue URLs start with {@code https://}.
 * Plain HTTP is not served on that port.
 */
class TlsIT {
    private static PostboxServer server;
    private static TrustManager[] trustTheTestCa;
    private static SSLContext tls;

    private static Path resource(String name) throws Exception {
        return Path.of(TlsIT.class.getResource("/tls/" + name).toURI());
    }

    @BeforeAll
    static void start() throws Exception {
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory",
                PostboxConfig.HTTP_TLS_CERTIFICATE_FILE, resource("server.pem").toString(),
                PostboxConfig.HTTP_TLS_PRIVATE_KEY_FILE, resource("server-key.pem").toString())));
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream ca = TlsIT.class.getResourceAsStream("/tls/ca.pem")) {
            trusted.setCertificateEntry("postbox-test-ca", CertificateFactory.getInstance("X.509")
                    .generateCertificate(ca));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        trustTheTestCa = factory.getTrustManagers();
        tls = SSLContext.getInstance("TLS");
        tls.init(null, trustTheTestCa, null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String endpoint() {
        return "https://localhost:" + server.port();
    }

    @Test
    void theEndpointIsHttps() {
        assertThat(server.endpoint()).startsWith("https://");
    }

    @Test
    void sdkV2SpeaksJsonOverHttps() {
        try (SqsClient sqs = SqsClient.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))
                .httpClient(UrlConnectionHttpClient.builder().tlsTrustManagersProvider(() -> trustTheTestCa).build())
                .build()) {
            String url = sqs.createQueue(b -> b.queueName("over-tls-json")).queueUrl();
            assertThat(url).isEqualTo(endpoint() + "/queue/us-east-1/000000000000/over-tls-json");
            sqs.sendMessage(b -> b.queueUrl(url).messageBody("sealed"));
            assertThat(sqs.receiveMessage(b -> b.queueUrl(url)).messages()).extracting(m -> m.body())
                    .containsExactly("sealed");
        }
    }

    @Test
    void sdkV1SpeaksQueryOverHttps() {
        ClientConfiguration configuration = new ClientConfiguration().withMaxErrorRetry(0);
        configuration.getApacheHttpClientConfig().setSslSocketFactory(new SSLConnectionSocketFactory(tls));
        AmazonSQS sqs = AmazonSQSClientBuilder.standard()
                .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint(), "us-east-1"))
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("AKID", "secret")))
                .withClientConfiguration(configuration).build();
        try {
            String url = sqs.createQueue("over-tls-query").getQueueUrl();
            assertThat(url).isEqualTo(endpoint() + "/queue/us-east-1/000000000000/over-tls-query");
            sqs.sendMessage(url, "sealed");
            assertThat(sqs.receiveMessage(url).getMessages()).extracting(m -> m.getBody()).containsExactly("sealed");
        } finally {
            sqs.shutdown();
        }
    }

    @Test
    void plainHttpIsNotServedOnTheTlsPort() {
        HttpClient plain = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port()
                        + "/health")).timeout(java.time.Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
    }
}
