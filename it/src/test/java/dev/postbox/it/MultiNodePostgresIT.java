package dev.postbox.it;

import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Postbox nodes (real clocks) on one PostgreSQL, through AWS SDK for Java v2: what one node accepts the other
 * serves, a long poll on one is answered by a send on the other well before its wait ends, and a receipt handle from
 * one works on the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiNodePostgresIT {
    private PostboxServer nodeA;
    private PostboxServer nodeB;
    private SqsClientUnderTest clientA;
    private SqsClientUnderTest clientB;

    @BeforeAll
    void start() {
        Map<String, String> flags = Map.of(PostboxConfig.HTTP_PORT, "0", PostboxConfig.STORAGE_KIND, "postgres",
                PostboxConfig.STORAGE_POSTGRES_URL, TestPostgres.url());
        nodeA = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), flags));
        nodeB = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), flags));
        clientA = new JsonSdkClient(nodeA.endpoint());
        clientB = new JsonSdkClient(nodeB.endpoint());
    }

    @AfterAll
    void stop() {
        clientA.close();
        clientB.close();
        nodeA.close();
        nodeB.close();
    }

    @Test
    void aLongPollOnOneNodeIsAnsweredBySendOnTheOther() throws Exception {
        String url = clientA.createQueue(software.amazon.awssdk.services.sqs.model.CreateQueueRequest.builder()
                .queueName("multi-node-" + System.nanoTime()).build()).queueUrl();
        CompletableFuture<List<Message>> poll = CompletableFuture.supplyAsync(() -> clientB.receiveMessage(
                ReceiveMessageRequest.builder().queueUrl(url).waitTimeSeconds(20).build()).messages());
        Thread.sleep(500); // the poll is waiting on node B
        long sent = System.nanoTime();
        clientA.sendMessage(SendMessageRequest.builder().queueUrl(url).messageBody("from A").build());
        List<Message> received = poll.get(15, TimeUnit.SECONDS);
        long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
        assertThat(received).extracting(Message::body).containsExactly("from A");
        assertThat(waitedMillis).as("answered by the hint, not at the end of the 20 s wait").isLessThan(5_000);
        // The receipt handle node B issued deletes on node A: the key is the database's.
        clientA.deleteMessage(DeleteMessageRequest.builder().queueUrl(url)
                .receiptHandle(received.getFirst().receiptHandle()).build());
        assertThat(clientB.receiveMessage(ReceiveMessageRequest.builder().queueUrl(url).waitTimeSeconds(1).build())
                .messages()).isEmpty();
    }
}
