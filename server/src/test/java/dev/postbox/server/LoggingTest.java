package dev.postbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's start lines (effective configuration, secrets masked), JSON log lines and the access log. */
class LoggingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterEach
    void resetLogging() throws Exception {
        LogManager.getLogManager().readConfiguration();
    }

    @Test
    void theEffectiveConfigurationNeverShowsASecret() {
        PostboxConfig config = PostboxConfig.resolve(null, Map.of("POSTBOX_STORAGE_POSTGRES_PASSWORD", "pg-secret"),
                Map.of(PostboxConfig.AUTH_ACCESS_KEY_ID, "AKIDLOG", PostboxConfig.AUTH_SECRET_ACCESS_KEY, "sk-secret",
                        PostboxConfig.STORAGE_POSTGRES_URL,
                        "jdbc:postgresql://db/postbox?user=postbox&password=url-secret"));
        assertThat(config.effective()).contains("auth.access-key-id=AKIDLOG", "auth.secret-access-key=***",
                "storage.postgres.password=***", "password=***", "sqs.region=us-east-1")
                .doesNotContain("pg-secret", "sk-secret", "url-secret");
        assertThat(config.toString()).doesNotContain("pg-secret", "sk-secret", "url-secret");
        assertThat(PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.STORAGE_POSTGRES_URL,
                "jdbc:postgresql://postbox:url-secret@db/postbox")).effective()).contains("postbox:***@db")
                .doesNotContain("url-secret");
    }

    @Test
    void jsonLogsAndTheAccessLogCarryTheirFields() throws Exception {
        Path file = Files.createTempFile("postbox-logging", ".properties");
        Files.writeString(file, "logging.format=json\nlogging.access-log=true\nstorage.kind=memory\n");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Main main = new Main(new PrintStream(printed, true, StandardCharsets.UTF_8),
                Main.parse("--port", "0", "--config", file.toString()));
        List<LogRecord> access = new CopyOnWriteArrayList<>();
        try (PostboxServer server = main.start()) {
            Logger.getLogger("dev.postbox.access").addHandler(new Handler() {
                @Override
                public void publish(LogRecord record) {
                    access.add(record);
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            });
            HttpResponse<String> created = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                            .header("X-Amz-Target", "AmazonSQS.GetQueueUrl")
                            .header("Content-Type", "application/x-amz-json-1.0")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"QueueName\":\"missing\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(400);
        }
        List<JsonNode> lines = printed.toString(StandardCharsets.UTF_8).lines().map(LoggingTest::json).toList();
        assertThat(lines).extracting(line -> line.get("message").asText())
                .anyMatch(m -> m.startsWith("Postbox listening on http://"))
                .anyMatch(m -> m.startsWith("Postbox configuration: ") && m.contains("logging.format=json"));
        assertThat(access).hasSize(1);
        JsonNode line = json(new LogOutput.JsonLines().format(access.getFirst()));
        assertThat(line.get("logger").asText()).isEqualTo("dev.postbox.access");
        assertThat(line.get("operation").asText()).isEqualTo("GetQueueUrl");
        assertThat(line.get("status").asInt()).isEqualTo(400);
        assertThat(line.get("error").asText()).isEqualTo("QueueDoesNotExist");
        assertThat(line.get("requestId").asText()).isNotBlank();
        assertThat(line.get("ms").asDouble()).isPositive();
        assertThat(new LogOutput.TextLines().format(access.getFirst()))
                .contains(" INFO dev.postbox.access requestId=").contains("operation=GetQueueUrl queue=- status=400"
                        + " error=QueueDoesNotExist");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + text, e);
        }
    }
}
