package dev.postbox.it;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteQueueRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /metrics} against the queue's real state: CloudWatch's SQS metrics per queue, exact, after requests
 * made through the SDK; and the operations' request counts by outcome.
 */
abstract class MetricsSpec extends SpecSupport {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The metrics text. */
    private String scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).get().asString().startsWith("text/plain");
        return response.body();
    }

    /** The value of the sample with exactly these name and labels, or null when there is none. */
    private static Double sample(String text, String name, String labels) {
        String prefix = name + "{" + labels + "} ";
        return text.lines().filter(line -> line.startsWith(prefix))
                .map(line -> Double.parseDouble(line.substring(prefix.length()))).findFirst().orElse(null);
    }

    private static String queueLabels(String name) {
        return "account=\"000000000000\",queue=\"" + name + "\",region=\"us-east-1\"";
    }

    @Test
    void theQueuesMetricsAreItsCountsExactly() throws Exception {
        String name = uniqueName("metered");
        String url = sqs.createQueue(software.amazon.awssdk.services.sqs.model.CreateQueueRequest.builder().queueName(name).build()).queueUrl();
        send(url, "one");
        sqs.sendMessageBatch(SendMessageBatchRequest.builder().queueUrl(url).entries(
                SendMessageBatchRequestEntry.builder().id("a").messageBody("twenty-two characters").build(),
                SendMessageBatchRequestEntry.builder().id("b").messageBody("333").build()).build());
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("later").delaySeconds(60).build());
        clock.advanceSeconds(7);
        List<Message> received = sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url)
                .maxNumberOfMessages(2).build()).messages();
        assertThat(received).hasSize(2);
        sqs.deleteMessageBatch(DeleteMessageBatchRequest.builder().queueUrl(url).entries(
                DeleteMessageBatchRequestEntry.builder().id("x").receiptHandle(received.get(0).receiptHandle())
                        .build()).build());
        sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).maxNumberOfMessages(10).build());
        assertThat(sqs.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).build()).messages()).isEmpty();

        String text = scrape();
        String q = queueLabels(name);
        assertThat(sample(text, "sqs_number_of_messages_sent_total", q)).isEqualTo(4.0);
        assertThat(sample(text, "sqs_number_of_messages_received_total", q)).isEqualTo(3.0);
        assertThat(sample(text, "sqs_number_of_messages_deleted_total", q)).isEqualTo(1.0);
        assertThat(sample(text, "sqs_number_of_empty_receives_total", q)).isEqualTo(1.0);
        assertThat(sample(text, "sqs_sent_message_size_bytes_count", q)).isEqualTo(4.0);
        assertThat(sample(text, "sqs_sent_message_size_bytes_sum", q)).isEqualTo(3 + 21 + 3 + 5);
        assertThat(sample(text, "sqs_approximate_number_of_messages_visible", q)).isEqualTo(0.0);
        assertThat(sample(text, "sqs_approximate_number_of_messages_not_visible", q)).isEqualTo(2.0);
        assertThat(sample(text, "sqs_approximate_number_of_messages_delayed", q)).isEqualTo(1.0);
        assertThat(sample(text, "sqs_approximate_age_of_oldest_message_seconds", q)).isEqualTo(7.0);
        assertThat(Map.of("visible", attributes(url, "All").get("ApproximateNumberOfMessages"),
                "inFlight", attributes(url, "All").get("ApproximateNumberOfMessagesNotVisible")))
                .as("the same counts as the queue's attributes").containsEntry("visible", "0")
                .containsEntry("inFlight", "2");
    }

    @Test
    void requestsAreCountedByOperationAndOutcomeAndADeletedQueuesSeriesEnd() throws Exception {
        String name = uniqueName("gone");
        String url = sqs.createQueue(software.amazon.awssdk.services.sqs.model.CreateQueueRequest.builder().queueName(name).build()).queueUrl();
        send(url, "x");
        double failedBefore = count(scrape(), "ReceiveMessage", "QueueDoesNotExist");
        assertThat(sample(scrape(), "sqs_number_of_messages_sent_total", queueLabels(name))).isEqualTo(1.0);
        sqs.deleteQueue(DeleteQueueRequest.builder().queueUrl(url).build());
        assertSqsError(() -> receive(url, 1), "AWS.SimpleQueueService.NonExistentQueue", 400, "does not exist");

        String text = scrape();
        assertThat(count(text, "ReceiveMessage", "QueueDoesNotExist")).isEqualTo(failedBefore + 1);
        assertThat(count(text, "DeleteQueue", "ok")).isGreaterThanOrEqualTo(1.0);
        assertThat(sample(text, "sqs_number_of_messages_sent_total", queueLabels(name))).isNull();
        assertThat(sample(text, "sqs_approximate_number_of_messages_visible", queueLabels(name))).isNull();
        assertThat(text).contains("jvm_memory_used_bytes").contains("postbox_http_connections");
    }

    @Test
    void everySeriesTheSampleDashboardQueriesIsServed() throws Exception {
        String url = createQueue();
        send(url, "so that every queue series exists");
        receive(url, 1);
        System.gc(); // the server runs in this JVM: its GC pause timer exists once a collection was reported
        String text = scrape();
        for (int i = 0; i < 50 && !text.contains("\njvm_gc_pause_seconds_sum"); i++) {
            Thread.sleep(100);
            text = scrape();
        }
        String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/grafana/postbox-dashboard.json"));
        java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\b((?:sqs|postbox|jvm)_[a-z_]+)").matcher(dashboard);
        int checked = 0;
        while (names.find()) {
            assertThat(text).as("the dashboard's " + names.group(1)).contains("\n" + names.group(1));
            checked++;
        }
        assertThat(checked).isGreaterThan(10);
    }

    /** Whether the variant runs on the embedded store, whose commit log has its own series. */
    boolean durable() {
        return false;
    }

    @Test
    void theEmbeddedStoresCommitsAndFsyncsAreCounted() throws Exception {
        String before = scrape();
        if (!durable()) {
            assertThat(before).doesNotContain("postbox_store_commits_total");
            return;
        }
        String url = createQueue();
        for (int i = 0; i < 3; i++) {
            send(url, "durable " + i);
        }
        String after = scrape();
        double commits = total(after, "postbox_store_commits_total") - total(before, "postbox_store_commits_total");
        double batches = total(after, "postbox_store_committed_batches_total")
                - total(before, "postbox_store_committed_batches_total");
        assertThat(commits).as("each acknowledged send was committed").isGreaterThanOrEqualTo(3);
        assertThat(batches).isGreaterThanOrEqualTo(commits);
        assertThat(total(after, "postbox_store_fsyncs_total") - total(before, "postbox_store_fsyncs_total"))
                .as("storage.fsync=always syncs every commit").isEqualTo(commits);
        assertThat(total(after, "postbox_store_fsync_seconds_total")).isPositive();
        assertThat(total(after, "postbox_store_commit_seconds_total"))
                .isGreaterThanOrEqualTo(total(after, "postbox_store_fsync_seconds_total"));
    }

    /** A series without labels. */
    private static double total(String text, String name) {
        return text.lines().filter(line -> line.startsWith(name + " ")).mapToDouble(line -> Double.parseDouble(
                line.substring(name.length() + 1))).findFirst().orElseThrow(() -> new AssertionError(name + " missing"));
    }

    private static double count(String text, String operation, String outcome) {
        Double value = sample(text, "sqs_requests_seconds_count", "operation=\"" + operation + "\",outcome=\""
                + outcome + "\"");
        return value == null ? 0 : value;
    }
}
