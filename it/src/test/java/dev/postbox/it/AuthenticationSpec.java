package dev.postbox.it;

import dev.postbox.server.PostboxConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.AddPermissionRequest;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.PurgeQueueRequest;
import software.amazon.awssdk.services.sqs.model.RemovePermissionRequest;
import software.amazon.awssdk.services.sqs.model.SetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueUrlRequest;
import software.amazon.awssdk.services.sqs.model.ListQueuesRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code auth.mode=sigv4}: who a signed request is (the {@code SenderId} of what it sends, the account whose
 * queues it sees), and how the SDKs see a request that is not let in: the error code, status and message each SDK
 * parses from the answer in its protocol.
 */
abstract class AuthenticationSpec extends SpecSupport {
    private Path identitiesFile;

    abstract SqsClientUnderTest newClient(String endpoint, String accessKeyId, String secretAccessKey);

    /** The principal of the spec client's identity. */
    private String principal() {
        return sqs.protocol().equals("json") ? "AIDAJSONCLIENT" : "AIDAQUERYCLIENT";
    }

    @Override
    Map<String, String> authFlags() throws java.io.IOException {
        Map<String, String> flags = sigV4();
        identitiesFile = Path.of(flags.get(PostboxConfig.AUTH_IDENTITIES_FILE));
        return flags;
    }

    @Test
    void theSenderIdOfAMessageIsThePrincipalOfTheIdentityThatSentIt() {
        String queueUrl = createQueue();
        send(queueUrl, "signed");
        List<Message> received = receive(queueUrl, 1);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).attributesAsStrings()).containsEntry("SenderId", principal());
    }

    @Test
    void eachAccountHasItsOwnQueuesAndCannotTouchAnothers() {
        String name = uniqueName("mine");
        String mine = sqs.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
        assertThat(mine).endsWith("/000000000000/" + name);
        try (SqsClientUnderTest other = newClient(server.endpoint(), "AKIDOTHER", "secret")) {
            String theirs = other.createQueue(CreateQueueRequest.builder().queueName(name).build()).queueUrl();
            assertThat(theirs).as("the same name in another account is another queue")
                    .endsWith("/" + OTHER_ACCOUNT + "/" + name);
            assertThat(other.listQueues(ListQueuesRequest.builder().queueNamePrefix(name).build()).queueUrls())
                    .containsExactly(theirs);
            assertThat(sqs.listQueues(ListQueuesRequest.builder().queueNamePrefix(name).build()).queueUrls())
                    .containsExactly(mine);
            send(mine, "for my account only");
            assertSqsError(() -> other.receiveMessage(ReceiveMessageRequest.builder().queueUrl(mine).build()),
                    "AccessDenied", 403, "Access to the resource " + mine + " is denied.");
            assertSqsError(() -> other.sendMessage(SendMessageRequest.builder().queueUrl(mine).messageBody("x")
                    .build()), "AccessDenied", 403, "is denied.");
            assertSqsError(() -> other.getQueueUrl(GetQueueUrlRequest.builder().queueName(name)
                    .queueOwnerAWSAccountId("000000000000").build()), "AccessDenied", 403, "is denied.");
            assertThat(receive(mine, 10)).extracting(Message::body).containsExactly("for my account only");
        }
    }

    @Test
    void addPermissionGrantsAnotherAccountWhatItNamesAndNothingElse() {
        String queueUrl = createQueue();
        try (SqsClientUnderTest other = newClient(server.endpoint(), "AKIDOTHER", "secret")) {
            assertSqsError(() -> other.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody("x")
                    .build()), "AccessDenied", 403, "is denied.");
            sqs.addPermission(AddPermissionRequest.builder().queueUrl(queueUrl).label("partner-sends")
                    .awsAccountIds(OTHER_ACCOUNT).actions("SendMessage").build());
            other.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody("from the partner").build());
            assertSqsError(() -> other.receiveMessage(ReceiveMessageRequest.builder().queueUrl(queueUrl).build()),
                    "AccessDenied", 403, "is denied.");
            List<Message> received = receive(queueUrl, 10);
            assertThat(received).extracting(Message::body).containsExactly("from the partner");
            assertThat(received.get(0).attributesAsStrings()).containsEntry("SenderId", "AKIDOTHER");
            sqs.removePermission(RemovePermissionRequest.builder().queueUrl(queueUrl).label("partner-sends").build());
            assertSqsError(() -> other.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody("x")
                    .build()), "AccessDenied", 403, "is denied.");
        }
    }

    @Test
    void anExplicitDenyBindsTheOwnerToo() {
        String queueUrl = createQueue();
        String arn = attributes(queueUrl, "QueueArn").get("QueueArn");
        sqs.setQueueAttributes(SetQueueAttributesRequest.builder().queueUrl(queueUrl).attributesWithStrings(Map.of(
                "Policy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","
                        + "\"Action\":\"sqs:PurgeQueue\",\"Resource\":\"" + arn + "\"},{\"Effect\":\"Allow\","
                        + "\"Principal\":{\"AWS\":\"" + OTHER_ACCOUNT + "\"},\"Action\":\"sqs:SendMessage\","
                        + "\"Resource\":\"" + arn + "\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}}]}"))
                .build());
        assertSqsError(() -> sqs.purgeQueue(PurgeQueueRequest.builder().queueUrl(queueUrl).build()), "AccessDenied",
                403, "Access to the resource " + queueUrl + " is denied.");
        send(queueUrl, "the owner still sends");
        try (SqsClientUnderTest other = newClient(server.endpoint(), "AKIDOTHER", "secret")) {
            assertSqsError(() -> other.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody("x")
                    .build()), "AccessDenied", 403, "is denied."); // allowed over TLS only; this is plain HTTP
        }
    }

    @Test
    void anUnknownAccessKeyIsAnInvalidClientToken() {
        try (SqsClientUnderTest stranger = newClient(server.endpoint(), "AKIDSTRANGER", "secret")) {
            assertSqsError(() -> stranger.listQueues(ListQueuesRequest.builder().build()), "InvalidClientTokenId",
                    403, "The security token included in the request is invalid.");
        }
    }

    @Test
    void aWrongSecretDoesNotMatch() {
        try (SqsClientUnderTest guesser = newClient(server.endpoint(), sqs.protocol().equals("json") ? "AKIDJSON"
                : "AKIDQUERY", "guessed")) {
            assertSqsError(() -> guesser.listQueues(ListQueuesRequest.builder().build()), "SignatureDoesNotMatch",
                    403, "The request signature we calculated does not match the signature you provided.");
        }
    }

    @Test
    void anIdentityAddedToTheFileIsLetInWithoutARestart() throws Exception {
        try (SqsClientUnderTest newcomer = newClient(server.endpoint(), "AKIDNEWCOMER", "new-secret")) {
            assertSqsError(() -> newcomer.listQueues(ListQueuesRequest.builder().build()), "InvalidClientTokenId",
                    403, "invalid");
            String identities = Files.readString(identitiesFile);
            Files.writeString(identitiesFile, identities.replace("]}", ", {\"accessKeyId\": \"AKIDNEWCOMER\","
                    + " \"secretAccessKey\": \"new-secret\"}]}"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (true) {
                try {
                    newcomer.listQueues(ListQueuesRequest.builder().build());
                    break;
                } catch (SqsClientUnderTest.SqsError e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200); // the file is looked at once a second
                }
            }
        }
    }
}
