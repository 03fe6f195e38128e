package dev.postbox.it;

import dev.postbox.it.SqsClientUnderTest.SqsError;
import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import dev.postbox.testkit.ManualClock;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.sqs.model.*;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every part of the executable SQS spec shares: a server started on a free port with a manual clock (time
 * moves only when a test advances it), one client per protocol, and helpers. Each spec class is written once and
 * run twice: {@code *JsonIT} through AWS SDK for Java v2 (JSON protocol), {@code *QueryIT} through SDK v1 (query
 * protocol), both with their MD5 checks on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SpecSupport {
    private static final AtomicInteger NAMES = new AtomicInteger();
    /** The account of the identity AKIDOTHER of {@link #sigV4()}. */
    static final String OTHER_ACCOUNT = "222233334444";

    protected final ManualClock clock = new ManualClock();
    protected PostboxServer server;
    protected SqsClientUnderTest sqs;

    abstract SqsClientUnderTest newClient(String endpoint);

    /** Where the server keeps its queues: in memory unless a variant runs the spec on the durable store. */
    Map<String, String> storageFlags() throws java.io.IOException {
        return Map.of(PostboxConfig.STORAGE_KIND, "memory");
    }

    /** Storage flags for the variants that run a spec on the durable store (fresh data directory). */
    static Map<String, String> durableStorage() throws java.io.IOException {
        return Map.of(PostboxConfig.STORAGE_KIND, "embedded",
                PostboxConfig.STORAGE_DATA_DIR, java.nio.file.Files.createTempDirectory("postbox-spec").toString());
    }

    /** Storage flags for the variants that run a spec on the postgres store (one shared test database). */
    static Map<String, String> postgresStorage() {
        return Map.of(PostboxConfig.STORAGE_KIND, "postgres", PostboxConfig.STORAGE_POSTGRES_URL, TestPostgres.url());
    }

    /** Who may call: no authentication unless a variant runs the spec with signatures checked. */
    Map<String, String> authFlags() throws java.io.IOException {
        return Map.of();
    }

    /**
     * Auth flags for the variants that run a spec with SigV4 checked: the spec's two clients' credentials (SDK v2's
     * AKIDJSON, SDK v1's AKIDQUERY, both with the secret "secret", in the server's account) as the identities of an
     * identities file, and AKIDOTHER (secret "secret") of another account, {@link #OTHER_ACCOUNT}.
     */
    static Map<String, String> sigV4() throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("postbox-identities", ".json");
        java.nio.file.Files.writeString(file, """
                {"identities": [
                  {"accessKeyId": "AKIDJSON", "secretAccessKey": "secret", "principalId": "AIDAJSONCLIENT"},
                  {"accessKeyId": "AKIDQUERY", "secretAccessKey": "secret", "principalId": "AIDAQUERYCLIENT"},
                  {"accessKeyId": "AKIDOTHER", "secretAccessKey": "secret", "accountId": "222233334444"}
                ]}
                """);
        return Map.of(PostboxConfig.AUTH_MODE, "sigv4", PostboxConfig.AUTH_IDENTITIES_FILE, file.toString());
    }

    /** Any other setting a variant runs the spec with. */
    Map<String, String> otherFlags() {
        return Map.of();
    }

    @BeforeAll
    void startServer() throws java.io.IOException {
        Map<String, String> flags = new java.util.HashMap<>(storageFlags());
        flags.putAll(authFlags());
        flags.putAll(otherFlags());
        flags.put(PostboxConfig.HTTP_PORT, "0");
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), flags), clock);
        sqs = newClient(server.endpoint());
    }

    @AfterAll
    void stopServer() {
        sqs.close();
        server.close();
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    protected String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    protected String createQueue(String prefix, Map<String, String> attributes) {
        return sqs.createQueue(CreateQueueRequest.builder().queueName(uniqueName(prefix))
                .attributesWithStrings(attributes).build()).queueUrl();
    }

    protected String createQueue() {
        return createQueue("spec", Map.of());
    }

    protected SendMessageResponse send(String queueUrl, String body) {
        return sqs.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody(body).build());
    }

    protected List<Message> receive(String queueUrl, int max) {
        return sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(queueUrl).maxNumberOfMessages(max)
                .messageSystemAttributeNamesWithStrings("All").messageAttributeNames("All").build()).messages();
    }

    protected Map<String, String> attributes(String queueUrl, String... names) {
        return sqs.getQueueAttributes(GetQueueAttributesRequest.builder().queueUrl(queueUrl)
                .attributeNamesWithStrings(names).build()).attributesAsStrings();
    }

    protected static void assertSqsError(ThrowingCallable call, String code, int status, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SqsError.class, e -> {
            assertThat(e.code).isEqualTo(code);
            assertThat(e.status).isEqualTo(status);
            assertThat(e.errorMessage()).contains(messagePart);
        });
    }

    static String md5Hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
