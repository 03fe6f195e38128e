package dev.postbox.it;

import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Queues declared in a file ({@code queues.file}) exist as soon as the server starts, with their attributes,
 * tags and dead-letter wiring; a restart with a changed file brings them to it and keeps their messages; a bad
 * declaration stops the start with a message naming the queue and the key.
 */
class DeclaredQueuesIT {
    @Test
    void declaredQueuesExistAtStartAndFollowAChangedFileAcrossARestart() throws Exception {
        Path data = Files.createTempDirectory("postbox-declared");
        Path file = data.resolveSibling(data.getFileName() + "-queues.yaml");
        Files.writeString(file, """
                queues:
                  - name: jobs
                    attributes:
                      VisibilityTimeout: 60
                    deadLetterQueue: jobs-dlq
                    maxReceiveCount: 3
                    tags: {team: core}
                  - name: jobs-dlq
                  - name: events.fifo
                    attributes: {ContentBasedDeduplication: true}
                """);
        String url;
        try (PostboxServer server = start(data, file); SqsClient sqs = client(server.endpoint())) {
            assertThat(sqs.listQueues().queueUrls()).hasSize(3);
            url = sqs.getQueueUrl(b -> b.queueName("jobs")).queueUrl();
            Map<String, String> jobs = sqs.getQueueAttributes(b -> b.queueUrl(url)
                    .attributeNames(QueueAttributeName.ALL)).attributesAsStrings();
            assertThat(jobs).containsEntry("VisibilityTimeout", "60").containsEntry("RedrivePolicy",
                    "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:jobs-dlq\",\"maxReceiveCount\":3}");
            assertThat(sqs.listQueueTags(b -> b.queueUrl(url)).tags()).containsEntry("team", "core");
            String events = sqs.getQueueUrl(b -> b.queueName("events.fifo")).queueUrl();
            assertThat(sqs.getQueueAttributes(b -> b.queueUrl(events).attributeNames(QueueAttributeName.ALL))
                    .attributesAsStrings()).containsEntry("FifoQueue", "true")
                    .containsEntry("ContentBasedDeduplication", "true");
            sqs.sendMessage(b -> b.queueUrl(url).messageBody("kept across the restart"));
        }

        Files.writeString(file, """
                queues:
                  - name: jobs
                    attributes: {VisibilityTimeout: 90}
                    deadLetterQueue: jobs-dlq
                    maxReceiveCount: 5
                  - name: jobs-dlq
                  - name: added
                """);
        try (PostboxServer server = start(data, file); SqsClient sqs = client(server.endpoint())) {
            assertThat(sqs.listQueues().queueUrls()).hasSize(4).anyMatch(u -> u.endsWith("/added"));
            Map<String, String> jobs = sqs.getQueueAttributes(b -> b.queueUrl(url)
                    .attributeNames(QueueAttributeName.ALL)).attributesAsStrings();
            assertThat(jobs).containsEntry("VisibilityTimeout", "90")
                    .containsEntry("ApproximateNumberOfMessages", "1");
            assertThat(jobs.get("RedrivePolicy")).contains("\"maxReceiveCount\":5");
            assertThat(sqs.listQueueTags(b -> b.queueUrl(url)).tags()).as("tags not declared stay")
                    .containsEntry("team", "core");
        }
    }

    @Test
    void aJsonFileWorksToo() throws Exception {
        Path file = Files.createTempFile("postbox-queues", ".json");
        Files.writeString(file, "{\"queues\": [{\"name\": \"from-json\", \"attributes\": {\"DelaySeconds\": 5}}]}");
        try (PostboxServer server = start(null, file); SqsClient sqs = client(server.endpoint())) {
            String url = sqs.getQueueUrl(b -> b.queueName("from-json")).queueUrl();
            assertThat(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.DELAY_SECONDS))
                    .attributesAsStrings()).containsEntry("DelaySeconds", "5");
        }
    }

    @Test
    void aBadDeclarationStopsTheStartNamingTheQueueAndTheKey() throws Exception {
        Path file = Files.createTempFile("postbox-queues", ".yaml");
        Files.writeString(file, "queues:\n  - name: slow\n    attributes: {VisibilityTimeout: 99999}\n");
        assertThatThrownBy(() -> start(null, file)).isInstanceOf(PostboxConfig.ConfigException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("queue 'slow'")
                .hasMessageContaining("VisibilityTimeout");
        Files.writeString(file, "queues:\n  - name: typo\n    atributes: {VisibilityTimeout: 30}\n");
        assertThatThrownBy(() -> start(null, file)).isInstanceOf(PostboxConfig.ConfigException.class)
                .hasMessageContaining("queue 'typo': unknown key 'atributes'");
        Files.writeString(file, "queues:\n  - name: orphan\n    deadLetterQueue: nowhere\n");
        assertThatThrownBy(() -> start(null, file)).isInstanceOf(PostboxConfig.ConfigException.class)
                .hasMessageContaining("queue 'orphan'").hasMessageContaining("Dead letter target does not exist");
    }

    /** A server on the embedded store in {@code data}, or in memory when null. */
    private static PostboxServer start(Path data, Path queues) {
        Map<String, String> flags = data == null
                ? Map.of(PostboxConfig.HTTP_PORT, "0", PostboxConfig.STORAGE_KIND, "memory",
                PostboxConfig.QUEUES_FILE, queues.toString())
                : Map.of(PostboxConfig.HTTP_PORT, "0", PostboxConfig.STORAGE_KIND, "embedded",
                PostboxConfig.STORAGE_DATA_DIR, data.toString(), PostboxConfig.QUEUES_FILE, queues.toString());
        return PostboxServer.start(PostboxConfig.resolve(null, Map.of(), flags));
    }

    private static SqsClient client(String endpoint) {
        return SqsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))
                .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(1))).build();
    }
}
