package dev.postbox.it;

import dev.postbox.server.PostboxConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.DeleteQueueRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.ListQueuesRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regions are namespaces: a request is for the region its signature is scoped to (the region an SDK is configured
 * with), and queues of one name in two regions are two queues, with their own URLs, ARNs and messages. Queue URLs
 * show the region; one that does not is the request's region's.
 */
abstract class RegionsSpec extends SpecSupport {
    static final String ACCOUNT = "000000000000";

    /** A client of the spec's protocol signing for {@code region}, with the spec client's credentials. */
    abstract SqsClientUnderTest newClient(String endpoint, String region);

    /**
     * The server's {@code sqs.queue-url-style}: {@code path}, or {@code host}, whose URLs the clients reach as
     * {@code sqs.<region>.localhost} (SDK v1 sends requests to the queue URL's host).
     */
    String urlStyle() {
        return "path";
    }

    @Override
    Map<String, String> otherFlags() {
        return Map.of(PostboxConfig.SQS_QUEUE_URL_STYLE, urlStyle());
    }

    /** The endpoint the spec's clients use: a host name for host-style URLs (an address has no subdomains). */
    private String endpoint() {
        return urlStyle().equals("host") ? "http://localhost:" + server.port() : server.endpoint();
    }

    /** The URL the server hands out for a queue. */
    private String expectedUrl(String region, String name) {
        return urlStyle().equals("host")
                ? "http://sqs." + region + ".localhost:" + server.port() + "/" + ACCOUNT + "/" + name
                : endpoint() + "/queue/" + region + "/" + ACCOUNT + "/" + name;
    }

    private SqsClientUnderTest west() {
        return newClient(endpoint(), "eu-west-1");
    }

    @Test
    void aQueueNameInTwoRegionsIsTwoQueuesWithTheirOwnUrlsArnsAndMessages() {
        String name = uniqueName("twin");
        try (SqsClientUnderTest east = newClient(endpoint(), "us-east-1"); SqsClientUnderTest west = west()) {
            String eastUrl = east.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
            String westUrl = west.createQueue(CreateQueueRequest.builder().queueName(name)
                    .attributesWithStrings(Map.of("DelaySeconds", "7")).build()).queueUrl();
            assertThat(eastUrl).isEqualTo(expectedUrl("us-east-1", name));
            assertThat(westUrl).isEqualTo(expectedUrl("eu-west-1", name));
            assertThat(attributes(east, eastUrl)).containsEntry("QueueArn", "arn:aws:sqs:us-east-1:" + ACCOUNT + ":"
                    + name).containsEntry("DelaySeconds", "0");
            assertThat(attributes(west, westUrl)).containsEntry("QueueArn", "arn:aws:sqs:eu-west-1:" + ACCOUNT + ":"
                    + name).containsEntry("DelaySeconds", "7");

            assertThat(east.getQueueUrl(GetQueueUrlRequest.builder().queueName(name).build()).queueUrl())
                    .isEqualTo(eastUrl);
            assertThat(west.getQueueUrl(GetQueueUrlRequest.builder().queueName(name).build()).queueUrl())
                    .isEqualTo(westUrl);
            assertThat(east.listQueues(ListQueuesRequest.builder().queueNamePrefix(name).build()).queueUrls())
                    .containsExactly(eastUrl);
            assertThat(west.listQueues(ListQueuesRequest.builder().queueNamePrefix(name).build()).queueUrls())
                    .containsExactly(westUrl);

            west.sendMessage(SendMessageRequest.builder().queueUrl(westUrl).messageBody("to the west")
                    .delaySeconds(0).build());
            assertThat(receiveFrom(east, eastUrl)).isEmpty();
            assertThat(receiveFrom(west, westUrl)).extracting(Message::body).containsExactly("to the west");
        }
    }

    @Test
    void aQueueUrlThatShowsARegionNamesThatRegionsQueueWhateverTheRequestIsSignedFor() {
        try (SqsClientUnderTest east = newClient(endpoint(), "us-east-1"); SqsClientUnderTest west = west()) {
            String westUrl = west.createQueue(CreateQueueRequest.builder().queueName(uniqueName("west")).build())
                    .queueUrl();
            east.sendMessage(SendMessageRequest.builder().queueUrl(westUrl).messageBody("across").build());
            assertThat(receiveFrom(west, westUrl)).extracting(Message::body).containsExactly("across");
        }
    }

    @Test
    void aQueueUrlThatShowsNoRegionIsTheRequestsRegions() {
        String name = uniqueName("plain");
        try (SqsClientUnderTest east = newClient(endpoint(), "us-east-1"); SqsClientUnderTest west = west()) {
            String westUrl = west.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
            String plain = server.endpoint() + "/" + ACCOUNT + "/" + name;
            west.sendMessage(SendMessageRequest.builder().queueUrl(plain).messageBody("plain").build());
            assertThat(receiveFrom(west, westUrl)).extracting(Message::body).containsExactly("plain");
            assertSqsError(() -> east.sendMessage(SendMessageRequest.builder().queueUrl(plain).messageBody("x")
                    .build()), "AWS.SimpleQueueService.NonExistentQueue", 400, "does not exist");
        }
    }

    @Test
    void aDeadLetterQueueMustBeInItsSourcesRegion() {
        try (SqsClientUnderTest east = newClient(endpoint(), "us-east-1"); SqsClientUnderTest west = west()) {
            String westDlq = west.createQueue(CreateQueueRequest.builder().queueName(uniqueName("dlq")).build())
                    .queueUrl();
            String westArn = attributes(west, westDlq).get("QueueArn");
            String redrive = "{\"deadLetterTargetArn\":\"" + westArn + "\",\"maxReceiveCount\":\"3\"}";
            assertSqsError(() -> east.createQueue(CreateQueueRequest.builder().queueName(uniqueName("source"))
                            .attributesWithStrings(Map.of("RedrivePolicy", redrive)).build()),
                    "InvalidParameterValue", 400, "Dead letter target does not exist.");
            String westSource = west.createQueue(CreateQueueRequest.builder().queueName(uniqueName("source"))
                    .attributesWithStrings(Map.of("RedrivePolicy", redrive)).build()).queueUrl();
            assertThat(attributes(west, westSource).get("RedrivePolicy")).contains(westArn);
        }
    }

    @Test
    void deletingAQueueInOneRegionLeavesItsNamesakeInAnother() {
        String name = uniqueName("doomed");
        try (SqsClientUnderTest east = newClient(endpoint(), "us-east-1"); SqsClientUnderTest west = west()) {
            String eastUrl = east.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
            String westUrl = west.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
            west.deleteQueue(DeleteQueueRequest.builder().queueUrl(westUrl).build());
            assertThat(east.listQueues(ListQueuesRequest.builder().queueNamePrefix(name).build()).queueUrls())
                    .containsExactly(eastUrl);
            assertThat(west.listQueues(ListQueuesRequest.builder().queueNamePrefix(name).build()).queueUrls())
                    .isEmpty();
            assertSqsError(() -> west.createQueue(CreateQueueRequest.builder().queueName(name).build()),
                    "AWS.SimpleQueueService.QueueDeletedRecently", 400, "60 seconds");
        }
    }

    private static Map<String, String> attributes(SqsClientUnderTest client, String queueUrl) {
        return client.getQueueAttributes(software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest
                .builder().queueUrl(queueUrl).attributeNamesWithStrings("All").build()).attributesAsStrings();
    }

    private static java.util.List<Message> receiveFrom(SqsClientUnderTest client, String queueUrl) {
        return client.receiveMessage(software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest.builder()
                .queueUrl(queueUrl).maxNumberOfMessages(10).build()).messages();
    }
}
