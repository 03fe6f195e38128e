package dev.postbox.protocol;

import dev.postbox.core.QueueService;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.api.Waits;
import dev.postbox.store.embedded.EmbeddedQueueStore;
import dev.postbox.testkit.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A durable send or delete is answered when its group commit completes (not by a thread that waited for it): a
 * failed commit must still come back as the retryable SQS error in the request's protocol, and change nothing.
 */
class DurableWriteFailureTest {
    private static final String QUEUE_URL = "http://localhost:9324/000000000000/q";

    @TempDir
    Path dataDir;
    private final ManualClock clock = new ManualClock();
    private EmbeddedQueueStore store;
    private RequestDispatcher dispatcher;

    @BeforeEach
    void setUp() {
        store = EmbeddedQueueStore.open(dataDir, EmbeddedQueueStore.fsyncPolicy("always"), Duration.ofMillis(10),
                clock);
        QueueService service = new QueueService(store, clock, new ReceiptHandles(store.receiptHandleSecret()),
                QueueService.Settings.defaults());
        // As the server runs it: everything but the sends on virtual threads.
        dispatcher = new RequestDispatcher(service, new RequestDispatcher.Settings("us-east-1", "000000000000", null,
                Waits.VIRTUAL_THREADS));
        assertThat(json("CreateQueue", "{\"QueueName\":\"q\"}").status()).isEqualTo(200);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private HttpExchange.Response json(String operation, String body) {
        return dispatcher.handle(new HttpExchange.Request("POST", "/", null, HttpExchange.Headers.ofLowerCase(Map.of(
                "x-amz-target", "AmazonSQS." + operation, "content-type", "application/x-amz-json-1.0",
                "host", "localhost:9324")), body.getBytes(StandardCharsets.UTF_8)), "req-1").join();
    }

    private HttpExchange.Response query(String form) {
        return dispatcher.handle(new HttpExchange.Request("POST", "/", null, HttpExchange.Headers.ofLowerCase(Map.of(
                "content-type", "application/x-www-form-urlencoded", "host", "localhost:9324")),
                form.getBytes(StandardCharsets.UTF_8)), "req-2").join();
    }

    private static String text(HttpExchange.Response response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void aFailedCommitAnswersEverySendWithARetryable503InItsProtocolAndStoresNothing() {
        store.failWrites(true);
        HttpExchange.Response single = json("SendMessage", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"MessageBody\":\"lost\"}");
        assertThat(single.status()).isEqualTo(503);
        assertThat(single.headers()).containsEntry("x-amzn-query-error", "ServiceUnavailable;Receiver");
        assertThat(text(single)).contains("\"__type\":\"com.amazon.coral.service#ServiceUnavailableException\"")
                .contains("it was not applied");
        HttpExchange.Response batch = json("SendMessageBatch", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"lost too\"}]}");
        assertThat(batch.status()).isEqualTo(503);
        HttpExchange.Response viaQuery = query("Action=SendMessage&QueueUrl=" + QUEUE_URL + "&MessageBody=lost");
        assertThat(viaQuery.status()).isEqualTo(503);
        assertThat(text(viaQuery)).contains("<Code>ServiceUnavailable</Code>").contains("<Type>Receiver</Type>");

        store.failWrites(false);
        assertThat(json("SendMessage", "{\"QueueUrl\":\"" + QUEUE_URL + "\",\"MessageBody\":\"kept\"}").status())
                .isEqualTo(200);
        String received = text(json("ReceiveMessage", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"MaxNumberOfMessages\":10}"));
        assertThat(received).contains("\"Body\":\"kept\"").doesNotContain("lost");
    }

    @Test
    void aFailedCommitFailsTheDeleteAndEachEntryOfABatchAndTheMessagesStay() {
        for (String body : new String[] {"one", "two"}) {
            json("SendMessage", "{\"QueueUrl\":\"" + QUEUE_URL + "\",\"MessageBody\":\"" + body + "\"}");
        }
        String received = text(json("ReceiveMessage", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"MaxNumberOfMessages\":10,\"VisibilityTimeout\":5}"));
        java.util.List<String> handles = java.util.regex.Pattern.compile("\"ReceiptHandle\":\"([^\"]+)\"")
                .matcher(received).results().map(m -> m.group(1)).toList();
        assertThat(handles).hasSize(2);

        store.failWrites(true);
        HttpExchange.Response single = json("DeleteMessage", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"ReceiptHandle\":\"" + handles.get(0) + "\"}");
        assertThat(single.status()).isEqualTo(503);
        assertThat(text(single)).contains("ServiceUnavailableException");
        HttpExchange.Response batch = json("DeleteMessageBatch", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"Entries\":[{\"Id\":\"a\",\"ReceiptHandle\":\"" + handles.get(0) + "\"},"
                + "{\"Id\":\"b\",\"ReceiptHandle\":\"" + handles.get(1) + "\"},"
                + "{\"Id\":\"c\",\"ReceiptHandle\":\"not-a-handle\"}]}");
        assertThat(batch.status()).isEqualTo(200);
        assertThat(text(batch)).doesNotContain("\"Successful\":[{")
                .contains("{\"Id\":\"a\",\"SenderFault\":false,\"Code\":\"ServiceUnavailable\"")
                .contains("{\"Id\":\"b\",\"SenderFault\":false,\"Code\":\"ServiceUnavailable\"")
                .contains("{\"Id\":\"c\",\"SenderFault\":true,\"Code\":\"ReceiptHandleIsInvalid\"");

        store.failWrites(false);
        clock.advanceSeconds(5);
        String again = text(json("ReceiveMessage", "{\"QueueUrl\":\"" + QUEUE_URL
                + "\",\"MaxNumberOfMessages\":10}"));
        assertThat(again).contains("\"Body\":\"one\"").contains("\"Body\":\"two\"");
    }
}
