package dev.postbox.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP edge: health, request ids, bounded bodies; configuration validation. */
class PostboxServerTest {
    private static PostboxServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(),
                Map.of(PostboxConfig.HTTP_PORT, "0", PostboxConfig.HTTP_MAX_REQUEST_BYTES, "2000000",
                        PostboxConfig.STORAGE_KIND, "memory")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> post(String path, Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthAnswers() throws Exception {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
    }

    @Test
    void everyResponseCarriesARequestId() throws Exception {
        HttpResponse<String> ok = post("/", Map.of("X-Amz-Target", "AmazonSQS.ListQueues",
                "Content-Type", "application/x-amz-json-1.0"), "{}");
        HttpResponse<String> error = post("/", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                "Action=Nope");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("x-amzn-RequestId")).get().asString().matches("[0-9a-f-]{36}");
        assertThat(error.statusCode()).isEqualTo(400);
        assertThat(error.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(error.body()).contains("<RequestId>" + error.headers().firstValue("x-amzn-RequestId").get());
    }

    @Test
    void oversizedBodiesGetAnErrorInTheRequestProtocol() throws Exception {
        String big = "x".repeat(2_000_001);
        HttpResponse<String> json = post("/", Map.of("X-Amz-Target", "AmazonSQS.SendMessage",
                "Content-Type", "application/x-amz-json-1.0"), big);
        assertThat(json.statusCode()).isEqualTo(413);
        assertThat(json.headers().firstValue("x-amzn-query-error")).hasValue("RequestEntityTooLarge;Sender");
        assertThat(json.body()).contains("exceeds 2000000 bytes");
        HttpResponse<String> query = post("/", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                "Action=SendMessage&MessageBody=" + big);
        assertThat(query.statusCode()).isEqualTo(413);
        assertThat(query.body()).contains("<Code>RequestEntityTooLarge</Code>");
    }

    @Test
    void chunkedBodiesAreReadAndBoundedToo() throws Exception {
        HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                .header("X-Amz-Target", "AmazonSQS.ListQueues").header("Content-Type", "application/x-amz-json-1.0")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() ->
                        new java.io.ByteArrayInputStream("{}".getBytes()))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        byte[] big = new byte[2_000_001];
        java.util.Arrays.fill(big, (byte) 'x');
        HttpResponse<String> tooBig = HTTP.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                .header("X-Amz-Target", "AmazonSQS.SendMessage").header("Content-Type", "application/x-amz-json-1.0")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooBig.statusCode()).isEqualTo(413);
    }

    /**
     * A client that pipelines (writes a second request before the first is answered) gets the answers in request
     * order, even when the first one is a long poll that waits and the second could be answered at once.
     */
    @Test
    void pipelinedRequestsAreAnsweredInOrderBehindAWaitingLongPoll() throws Exception {
        String queueUrl = post("/", Map.of("X-Amz-Target", "AmazonSQS.CreateQueue",
                "Content-Type", "application/x-amz-json-1.0"), "{\"QueueName\":\"pipelined\"}").body()
                .replaceAll(".*\"QueueUrl\":\"([^\"]+)\".*", "$1");
        String receive = "{\"QueueUrl\":\"" + queueUrl + "\",\"WaitTimeSeconds\":1}";
        String requests = jsonRequest("ReceiveMessage", receive) + jsonRequest("ListQueues", "{}");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            socket.getOutputStream().write(requests.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.io.InputStream in = socket.getInputStream();
            String first = readResponse(in);
            long firstMillis = (System.nanoTime() - start) / 1_000_000;
            String second = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n{}");
            assertThat(firstMillis).as("the long poll waited its second").isGreaterThanOrEqualTo(900);
            assertThat(second).startsWith("HTTP/1.1 200").contains("\"QueueUrls\":[\"" + queueUrl + "\"]");
        }
    }

    @Test
    void aControlCharacterInAHeaderIsNoReasonToRefuseARequest() throws Exception {
        String json = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Type:"
                + " application/x-amz-json-1.0\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\n{}";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(json.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200")
                    .containsIgnoringCase("x-amzn-RequestId:");
        }
    }

    @Test
    void aRequestHttpCannotParseGetsAnErrorWithARequestId() throws Exception {
        String query = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: abc\r\n\r\nAction=ListQueues";
        String garbage = "\u0001\u0002 not http at all\r\n\r\n";
        for (String raw : new String[]{query, garbage}) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String response = readResponse(socket.getInputStream());
                // What HTTP could not parse names no protocol: the answer is the query protocol's.
                assertThat(response).as(raw).matches("(?s)HTTP/1\\.[01] 400.*").containsIgnoringCase("x-amzn-RequestId:")
                        .contains("<Code>MalformedQueryString</Code>");
            }
        }
    }

    private static String jsonRequest(String operation, String body) {
        return "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nX-Amz-Target: AmazonSQS." + operation
                + "\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: " + body.length() + "\r\n\r\n"
                + body;
    }

    /** One response with a Content-Length body, as text. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                .matcher(head);
        assertThat(length.find()).as("Content-Length in %s", head).isTrue();
        return head + new String(in.readNBytes(Integer.parseInt(length.group(1))),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void configurationIsValidatedNamingKeyAndValue(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "70000")))
                .hasMessage("invalid value '70000' for http.port: expected an integer from 0 to 65535");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of("POSTBOX_SQS_ACCOUNT_ID", "12"), Map.of()))
                .hasMessageContaining("'12' for sqs.account-id");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.STORAGE_KIND, "disk")))
                .hasMessageContaining("'disk' for storage.kind");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.STORAGE_FSYNC, "never")))
                .hasMessageContaining("'never' for storage.fsync");
        assertThat(PostboxConfig.defaults().storage()).isEqualTo(PostboxConfig.StorageKind.EMBEDDED);
        assertThat(PostboxConfig.defaults().dataDir()).isEqualTo(Path.of("postbox-data"));
        Path file = dir.resolve("postbox.properties");
        Files.writeString(file, "http.port=1234\nsqs.region=eu-west-1\n");
        PostboxConfig fromFile = PostboxConfig.resolve(file, Map.of("POSTBOX_HTTP_PORT", "2345"), Map.of());
        assertThat(fromFile.port()).isEqualTo(2345);
        assertThat(fromFile.region()).isEqualTo("eu-west-1");
        assertThat(PostboxConfig.resolve(file, Map.of("POSTBOX_HTTP_PORT", "2345"),
                Map.of(PostboxConfig.HTTP_PORT, "3456")).port()).isEqualTo(3456);
        Files.writeString(file, "http.prot=1\n");
        assertThatThrownBy(() -> PostboxConfig.resolve(file, Map.of(), Map.of()))
                .hasMessageContaining("unknown key 'http.prot'");
    }

    @Test
    void thePostgresStorageNeedsAUrlAndNeverShowsItsPassword() {
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.STORAGE_KIND, "postgres")))
                .hasMessageContaining("storage.postgres.url").hasMessageContaining("--postgres-url");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.STORAGE_KIND, "postgres",
                PostboxConfig.STORAGE_POSTGRES_URL, "postgres://db/x"))).hasMessageContaining("jdbc:postgresql://");
        PostboxConfig config = PostboxConfig.resolve(null, Map.of("POSTBOX_STORAGE_POSTGRES_PASSWORD", "s3cret",
                "POSTBOX_STORAGE_POSTGRES_URL", "jdbc:postgresql://db:5432/postbox?user=postbox"),
                Map.of(PostboxConfig.STORAGE_KIND, "postgres"));
        assertThat(config.postgres().password()).isEqualTo("s3cret");
        assertThat(config.postgres().poolSize()).isEqualTo(16);
        assertThat(config.postgres().listenNotify()).isTrue();
        assertThat(config.toString()).doesNotContain("s3cret");
    }

    @Test
    void thePostgresPollOnlyModeAndTimeoutsAreKeys() {
        Map<String, String> postgres = Map.of(PostboxConfig.STORAGE_KIND, "postgres",
                PostboxConfig.STORAGE_POSTGRES_URL, "jdbc:postgresql://db:5432/postbox");
        PostboxConfig config = PostboxConfig.resolve(null, Map.of("POSTBOX_STORAGE_POSTGRES_NOTIFY", "false",
                "POSTBOX_STORAGE_POSTGRES_POLL_INTERVAL_MS", "250",
                "POSTBOX_STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS", "2000"), postgres);
        assertThat(config.postgres().listenNotify()).isFalse();
        assertThat(config.postgres().pollInterval()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(config.postgres().connectionTimeout()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of("POSTBOX_STORAGE_POSTGRES_NOTIFY", "sometimes"),
                postgres)).hasMessageContaining("storage.postgres.notify").hasMessageContaining("sometimes");
    }

    @Test
    void authIsOffByDefaultAndSigV4NeedsCredentialsWhichAreNeverShown(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        assertThat(PostboxConfig.defaults().auth().mode()).isEqualTo(PostboxConfig.AuthMode.OFF);
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of("POSTBOX_AUTH_MODE", "sigv4"), Map.of()))
                .hasMessageContaining("auth.mode").hasMessageContaining("auth.access-key-id")
                .hasMessageContaining("auth.identities-file");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of("POSTBOX_AUTH_MODE", "kerberos"), Map.of()))
                .hasMessageContaining("auth.mode").hasMessageContaining("kerberos");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of("POSTBOX_AUTH_ACCESS_KEY_ID", "AKID"), Map.of()))
                .hasMessageContaining("auth.secret-access-key");
        PostboxConfig config = PostboxConfig.resolve(null, Map.of("POSTBOX_AUTH_MODE", "sigv4",
                "POSTBOX_AUTH_ACCESS_KEY_ID", "AKIDTEAM", "POSTBOX_AUTH_SECRET_ACCESS_KEY", "t0p-s3cret"), Map.of());
        assertThat(config.auth().accountId()).isEqualTo("000000000000");
        assertThat(config.toString()).contains("AKIDTEAM").doesNotContain("t0p-s3cret");

        Path broken = dir.resolve("identities.json");
        java.nio.file.Files.writeString(broken, "{\"identities\": [{\"accessKeyId\": \"AKID\"}]}");
        PostboxConfig withBrokenFile = PostboxConfig.resolve(null, Map.of("POSTBOX_AUTH_MODE", "sigv4",
                "POSTBOX_AUTH_IDENTITIES_FILE", broken.toString()), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory"));
        assertThatThrownBy(() -> PostboxServer.start(withBrokenFile)).isInstanceOf(PostboxConfig.ConfigException.class)
                .hasMessageContaining("auth.identities-file").hasMessageContaining("secretAccessKey");
    }

    @Test
    void tlsNeedsACertificateAndAKeyThatRead(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path certificate = dir.resolve("server.pem");
        java.nio.file.Files.writeString(certificate, "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_TLS_CERTIFICATE_FILE,
                certificate.toString()))).hasMessageContaining("http.tls.private-key-file");
        assertThatThrownBy(() -> PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_TLS_CERTIFICATE_FILE,
                certificate.toString(), PostboxConfig.HTTP_TLS_PRIVATE_KEY_FILE, dir.resolve("none.pem").toString())))
                .hasMessageContaining("http.tls.private-key-file").hasMessageContaining("no readable file");
        PostboxConfig garbage = PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory", PostboxConfig.HTTP_TLS_CERTIFICATE_FILE, certificate.toString(),
                PostboxConfig.HTTP_TLS_PRIVATE_KEY_FILE, certificate.toString()));
        assertThatThrownBy(() -> PostboxServer.start(garbage)).isInstanceOf(PostboxConfig.ConfigException.class)
                .hasMessageContaining("do not make a TLS context");
    }
}
