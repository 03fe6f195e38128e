package dev.postbox.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import dev.postbox.testkit.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The query protocol as the R package aws.sqs (cloudyr) speaks it: GET requests with the parameters in the URL and
 * {@code Accept: application/json}, answers read by the paths that package reads (its only form; no SDK of ours
 * reads it, so this test plays the client). Also what a browser gets when it opens a queue URL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryJsonClientIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private PostboxServer server;

    @BeforeAll
    void start() throws Exception {
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory")), new ManualClock());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String url, Map<String, String> query, String accept) throws Exception {
        String encoded = query.entrySet().stream().map(e -> e.getKey() + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(encoded.isEmpty() ? url : url + "?" + encoded))
                .GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(String url, Map<String, String> query) throws Exception {
        HttpResponse<String> response = get(url, query, "application/json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        return JSON.readTree(response.body());
    }

    @Test
    void theRPackagesCallsFindWhatTheyRead() throws Exception {
        String base = server.endpoint();
        JsonNode created = json(base + "/", Map.of("Action", "CreateQueue", "QueueName", "r-client"));
        String queueUrl = created.path("CreateQueueResponse").path("CreateQueueResult").path("QueueUrl").asText();
        assertThat(queueUrl).endsWith("/000000000000/r-client");
        assertThat(created.path("CreateQueueResponse").path("ResponseMetadata").path("RequestId").asText()).isNotEmpty();
        assertThat(json(base + "/", Map.of("Action", "GetQueueUrl", "QueueName", "r-client"))
                .path("GetQueueUrlResponse").path("GetQueueUrlResult").path("QueueUrl").asText()).isEqualTo(queueUrl);
        assertThat(json(base + "/", Map.of("Action", "ListQueues", "QueueNamePrefix", "r-"))
                .path("ListQueuesResponse").path("ListQueuesResult").path("queueUrls")).extracting(JsonNode::asText)
                .containsExactly(queueUrl);

        String body = "carriage\r\nreturn and \"quotes\" & <angles>";
        JsonNode sent = json(queueUrl, Map.of("Action", "SendMessage", "MessageBody", body));
        assertThat(sent.path("SendMessageResponse").path("SendMessageResult").path("MessageId").asText()).hasSize(36);
        JsonNode received = json(queueUrl, Map.of("Action", "ReceiveMessage", "MaxNumberOfMessages", "10",
                "VisibilityTimeout", "30"));
        JsonNode messages = received.path("ReceiveMessageResponse").path("ReceiveMessageResult").path("messages");
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0).path("Body").asText()).isEqualTo(body);
        assertThat(json(queueUrl, Map.of("Action", "DeleteMessage", "ReceiptHandle",
                messages.get(0).path("ReceiptHandle").asText())).path("DeleteMessageResponse")
                .path("ResponseMetadata").path("RequestId").asText()).isNotEmpty();
        assertThat(json(queueUrl, Map.of("Action", "ReceiveMessage")).path("ReceiveMessageResponse")
                .path("ReceiveMessageResult").path("messages").isMissingNode()).as("deleted").isTrue();

        HttpResponse<String> xml = get(base + "/", Map.of("Action", "ListQueues"), null);
        assertThat(xml.body()).startsWith("<?xml").contains("<QueueUrl>" + queueUrl + "</QueueUrl>");
    }

    @Test
    void openingAQueueUrlWithoutAnActionIsAnUnknownOperation() throws Exception {
        String queueUrl = json(server.endpoint() + "/", Map.of("Action", "CreateQueue", "QueueName", "browsed"))
                .path("CreateQueueResponse").path("CreateQueueResult").path("QueueUrl").asText();
        for (String accept : new String[]{null, "application/json", "text/html,*/*"}) {
            HttpResponse<String> response = get(queueUrl, Map.of(), accept);
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).isEqualTo("<UnknownOperationException/>");
            assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        }
    }
}
