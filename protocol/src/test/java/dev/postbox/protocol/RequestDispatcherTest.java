package dev.postbox.protocol;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.service.QueueService;
import dev.postbox.store.memory.InMemoryQueueStore;
import dev.postbox.testkit.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Wire samples for both protocols, through the real engine (in-memory store, manual clock). */
class RequestDispatcherTest {
    private final ManualClock clock = new ManualClock();
    private RequestDispatcher dispatcher;

    @BeforeEach
    void setUp() {
        QueueService service = new QueueService(new InMemoryQueueStore(), clock,
                new ReceiptHandles(new byte[32]), QueueService.Settings.defaults());
        dispatcher = new RequestDispatcher(service, new RequestDispatcher.Settings("us-east-1", "000000000000", null));
    }

    private HttpExchange.Response json(String operation, String body) {
        HttpExchange.Headers headers = HttpExchange.Headers.ofLowerCase(Map.of("x-amz-target",
                "AmazonSQS." + operation, "content-type", "application/x-amz-json-1.0", "host", "localhost:9324"));
        return dispatcher.handle(new HttpExchange.Request("POST", "/", null, headers,
                body.getBytes(StandardCharsets.UTF_8)), "req-1", clock.waitsOnVirtualThreads()).join();
    }

    private HttpExchange.Response query(String path, String form) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/x-www-form-urlencoded; charset=utf-8");
        headers.put("host", "localhost:9324");
        return dispatcher.handle(new HttpExchange.Request("POST", path, null, HttpExchange.Headers.ofLowerCase(headers),
                form.getBytes(StandardCharsets.UTF_8)), "req-2", clock.waitsOnVirtualThreads()).join();
    }

    private HttpExchange.Response get(String path, String query, String accept) {
        Map<String, String> headers = new HashMap<>();
        headers.put("host", "localhost:9324");
        if (accept != null) {
            headers.put("accept", accept);
        }
        return dispatcher.handle(new HttpExchange.Request("GET", path, query, HttpExchange.Headers.ofLowerCase(headers),
                new byte[0]), "req-5", clock.waitsOnVirtualThreads()).join();
    }

    private static com.fasterxml.jackson.databind.JsonNode jsonOf(HttpExchange.Response response) throws Exception {
        return Json.read(response.body());
    }

    @Test
    void aQueryRequestThatAcceptsJsonGetsTheQueryResponseAsJson() throws Exception {
        String accept = "application/json";
        HttpExchange.Response created = get("/", "Action=CreateQueue&QueueName=r", accept);
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.contentType()).isEqualTo("application/json");
        assertThat(text(created)).isEqualTo("{\"CreateQueueResponse\":{\"CreateQueueResult\":{\"QueueUrl\":"
                + "\"http://localhost:9324/queue/us-east-1/000000000000/r\"},\"ResponseMetadata\":{\"RequestId\":\"req-5\"}}}");
        assertThat(jsonOf(get("/", "Action=GetQueueUrl&QueueName=r", accept)).at("/GetQueueUrlResponse/GetQueueUrlResult"
                + "/QueueUrl").asText()).isEqualTo("http://localhost:9324/queue/us-east-1/000000000000/r");
        assertThat(jsonOf(get("/", "Action=ListQueues", accept)).at("/ListQueuesResponse/ListQueuesResult/queueUrls/0")
                .asText()).isEqualTo("http://localhost:9324/queue/us-east-1/000000000000/r");
        String body = "line one\r\nsaid \"hi\" & <bye>";
        HttpExchange.Response sent = get("/000000000000/r", "Action=SendMessage&MessageBody="
                + java.net.URLEncoder.encode(body, StandardCharsets.UTF_8), accept);
        assertThat(jsonOf(sent).at("/SendMessageResponse/SendMessageResult/MD5OfMessageBody").asText())
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                        .digest(body.getBytes(StandardCharsets.UTF_8))));
        var received = jsonOf(get("/000000000000/r", "Action=ReceiveMessage&AttributeName.1=All", accept));
        var message = received.at("/ReceiveMessageResponse/ReceiveMessageResult/messages/0");
        assertThat(message.get("Body").asText()).isEqualTo(body);
        assertThat(message.at("/Attributes/ApproximateReceiveCount").asText()).isEqualTo("1");
        assertThat(received.at("/ReceiveMessageResponse/ResponseMetadata/RequestId").asText()).isEqualTo("req-5");
        HttpExchange.Response deleted = get("/000000000000/r", "Action=DeleteMessage&ReceiptHandle="
                + java.net.URLEncoder.encode(message.get("ReceiptHandle").asText(), StandardCharsets.UTF_8), accept);
        assertThat(text(deleted)).isEqualTo("{\"DeleteMessageResponse\":{\"ResponseMetadata\":{\"RequestId\":"
                + "\"req-5\"}}}");
        assertThat(get("/", "Action=ListQueues", null).contentType()).as("no Accept header: XML").isEqualTo("text/xml");
        HttpExchange.Response error = get("/", "Action=GetQueueUrl&QueueName=none", accept);
        assertThat(error.status()).isEqualTo(400);
        assertThat(text(error)).as("errors stay XML").contains("<Code>AWS.SimpleQueueService.NonExistentQueue</Code>");
    }

    @Test
    void aGetOfAQueueUrlWithoutAnActionIsAnUnknownOperation() {
        query("/", "Action=CreateQueue&QueueName=g");
        for (String accept : new String[]{null, "application/json"}) {
            HttpExchange.Response response = get("/000000000000/g", null, accept);
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.contentType()).isEqualTo("text/xml");
            assertThat(response.headers()).containsEntry("x-amzn-RequestId", "req-5");
            assertThat(text(response)).isEqualTo("<UnknownOperationException/>");
        }
    }

    @Test
    void aQueryBatchWithoutEntriesIsAnEmptyBatchRequest() {
        query("/", "Action=CreateQueue&QueueName=b");
        for (String action : new String[]{"SendMessageBatch", "DeleteMessageBatch", "ChangeMessageVisibilityBatch"}) {
            // No entries at all (SDK v1), or the empty list as botocore writes it (the list's name, no value).
            for (String empty : new String[]{"", "&" + action + "RequestEntry=", "&Entries="}) {
                HttpExchange.Response response = query("/000000000000/b", "Action=" + action + empty);
                assertThat(response.status()).as(empty).isEqualTo(400);
                assertThat(text(response)).contains("<Code>AWS.SimpleQueueService.EmptyBatchRequest</Code>")
                        .contains("There should be at least one " + action + "RequestEntry in the request.");
            }
        }
    }

    private static String text(HttpExchange.Response response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void jsonCreateSendReceive() {
        HttpExchange.Response created = json("CreateQueue", "{\"QueueName\":\"q\"}");
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.contentType()).isEqualTo("application/x-amz-json-1.0");
        assertThat(created.headers()).containsEntry("x-amzn-RequestId", "req-1");
        assertThat(text(created)).isEqualTo("{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/q\"}");

        HttpExchange.Response sent = json("SendMessage", "{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/q\","
                + "\"MessageBody\":\"msg\",\"MessageAttributes\":{\"Foo\":{\"DataType\":\"String\",\"StringValue\":\"Bar\"}}}");
        assertThat(text(sent)).contains("\"MD5OfMessageBody\":\"6e2baaf3b97dbeef01c0043275f9a0e7\"")
                .contains("\"MD5OfMessageAttributes\":\"ae7155c6026991b6d54b11589678bf9c\"")
                .doesNotContain("MD5OfMessageSystemAttributes").doesNotContain("SequenceNumber");

        HttpExchange.Response received = json("ReceiveMessage", "{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/q\","
                + "\"MaxNumberOfMessages\":\"10\",\"MessageAttributeNames\":[\"All\"]}");
        assertThat(text(received)).startsWith("{\"Messages\":[{\"MessageId\":")
                .contains("\"Body\":\"msg\"").contains("\"MD5OfBody\":\"6e2baaf3b97dbeef01c0043275f9a0e7\"")
                .contains("\"MessageAttributes\":{\"Foo\":{\"StringValue\":\"Bar\",\"DataType\":\"String\"}}")
                .doesNotContain("\"Attributes\"");
        assertThat(text(json("ReceiveMessage", "{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/q\"}")))
                .isEqualTo("{}");
        assertThat(text(json("DeleteQueue", "{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/q\"}")))
                .isEqualTo("{}");
    }

    @Test
    void jsonErrorShapes() {
        HttpExchange.Response missing = json("SendMessage", "{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/none\","
                + "\"MessageBody\":\"x\"}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.headers()).containsEntry("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender")
                .containsEntry("x-amzn-RequestId", "req-1").doesNotContainKey("x-amzn-ErrorType");
        assertThat(text(missing)).isEqualTo("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
                + "\"message\":\"The specified queue does not exist.\"}");

        json("CreateQueue", "{\"QueueName\":\"q\"}");
        HttpExchange.Response range = json("ReceiveMessage", "{\"QueueUrl\":\"http://localhost:9324/queue/us-east-1/000000000000/q\","
                + "\"MaxNumberOfMessages\":11}");
        assertThat(range.headers()).containsEntry("x-amzn-query-error", "InvalidParameterValue;Sender");
        assertThat(text(range)).contains("com.amazon.coral.service#InvalidParameterValueException")
                .contains("Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");

        HttpExchange.Response unknown = json("FooBar", "{}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(text(unknown)).contains("UnknownOperationException").contains("FooBar");

        HttpExchange.Response malformed = json("ListQueues", "{not json");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(text(malformed)).contains("SerializationException");

        HttpExchange.Response wrongType = json("ListQueues", "{\"MaxResults\":\"many\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(text(wrongType)).contains("Value many for parameter MaxResults is invalid");
    }

    @Test
    void queryCreateSendReceiveWithFlattenedParameters() {
        HttpExchange.Response created = query("/", "Action=CreateQueue&QueueName=q&Attribute.1.Name=DelaySeconds"
                + "&Attribute.1.Value=0&Tag.1.Key=team&Tag.1.Value=core&Version=2012-11-05");
        assertThat(created.contentType()).isEqualTo("text/xml");
        assertThat(text(created)).contains("<CreateQueueResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"
                + "<CreateQueueResult><QueueUrl>http://localhost:9324/queue/us-east-1/000000000000/q</QueueUrl></CreateQueueResult>"
                + "<ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></CreateQueueResponse>");
        assertThat(text(query("/000000000000/q", "Action=ListQueueTags")))
                .contains("<ListQueueTagsResult><Tag><Key>team</Key><Value>core</Value></Tag></ListQueueTagsResult>");

        HttpExchange.Response sent = query("/000000000000/q", "Action=SendMessage&MessageBody=a%0Db%26"
                + "&MessageAttribute.1.Name=Foo&MessageAttribute.1.Value.DataType=String"
                + "&MessageAttribute.1.Value.StringValue=Bar");
        assertThat(text(sent)).contains("<SendMessageResult><MD5OfMessageBody>")
                .contains("<MD5OfMessageAttributes>ae7155c6026991b6d54b11589678bf9c</MD5OfMessageAttributes>");

        HttpExchange.Response received = query("/000000000000/q", "Action=ReceiveMessage&AttributeName.1=SentTimestamp"
                + "&MessageAttributeName.1=All");
        assertThat(text(received)).contains("<Body>a&#xD;b&amp;</Body>")
                .contains("<Attribute><Name>SentTimestamp</Name><Value>1767225600000</Value></Attribute>")
                .contains("<MessageAttribute><Name>Foo</Name><Value><StringValue>Bar</StringValue>"
                        + "<DataType>String</DataType></Value></MessageAttribute>");
        assertThat(text(query("/000000000000/q", "Action=ReceiveMessage")))
                .contains("<ReceiveMessageResult/>");
        assertThat(text(query("/", "Action=GetQueueAttributes&QueueUrl=http://localhost:9324/queue/us-east-1/000000000000/q"
                + "&AttributeNames.1=VisibilityTimeout")))
                .contains("<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>");
    }

    @Test
    void queryBatchResultsUseTheirEntryElementNames() {
        query("/", "Action=CreateQueue&QueueName=q");
        HttpExchange.Response sent = query("/000000000000/q", "Action=SendMessageBatch"
                + "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one"
                + "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=%01");
        assertThat(text(sent)).contains("<SendMessageBatchResultEntry><Id>a</Id>")
                .contains("<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault>"
                        + "<Code>InvalidMessageContents</Code>");
        Matcher handle = Pattern.compile("<ReceiptHandle>([^<]+)</ReceiptHandle>")
                .matcher(text(query("/000000000000/q", "Action=ReceiveMessage")));
        assertThat(handle.find()).isTrue();
        assertThat(text(query("/000000000000/q", "Action=DeleteMessageBatch&DeleteMessageBatchRequestEntry.1.Id=x"
                + "&DeleteMessageBatchRequestEntry.1.ReceiptHandle=" + handle.group(1))))
                .contains("<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>x</Id>"
                        + "</DeleteMessageBatchResultEntry></DeleteMessageBatchResult>");
    }

    @Test
    void queryErrorShapes() {
        HttpExchange.Response missing = query("/", "Action=GetQueueUrl&QueueName=none");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(text(missing)).contains("<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error>"
                + "<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
                + "<Message>The specified queue does not exist for this wsdl version.</Message><Detail/></Error>"
                + "<RequestId>req-2</RequestId></ErrorResponse>");
        HttpExchange.Response unknown = query("/", "Action=FooBar");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(text(unknown)).contains("<Code>InvalidAction</Code>")
                .contains("<Message>The action FooBar is not valid for this endpoint.</Message>");
        assertThat(text(query("/", "Version=2012-11-05"))).contains("<Code>MissingParameter</Code>");
        assertThat(text(query("/000000000000/q", "Action=CreateQueue&QueueName=x")))
                .contains("The action CreateQueue is not valid for this endpoint.");
        assertThat(text(query("/", "Action=AddPermission&Label=x"))).contains("<Code>MissingParameter</Code>");
        assertThat(query("/", "Action=ListQueues&Bad=%zz").status()).isEqualTo(400);
        // Members of another operation, or a list where a value belongs: a client error, never a 500.
        query("/", "Action=CreateQueue&QueueName=p");
        HttpExchange.Response unrelated = query("/000000000000/p", "Action=AddPermission&Label=l&AWSAccountId.1="
                + "000000000000&ActionName.1=SendMessage&MessageSystemAttributeNames.1.Name=0"
                + "&MessageSystemAttributeNames.1.Value=arn%3Aaws%3Asqs%3Aus-east-1%3A000000000000%3Ap");
        assertThat(unrelated.status()).isLessThan(500);
        HttpExchange.Response conflicting = query("/000000000000/p", "Action=SetQueueAttributes"
                + "&Attribute.1.Name=DelaySeconds&Attribute.1.Value=1&Attribute.1.Value.1=2");
        assertThat(conflicting.status()).isEqualTo(400);
        assertThat(text(conflicting)).contains("<Code>MalformedQueryString</Code>");
        HttpExchange.Response control = query("/000000000000/p", "Action=AddPermission&Label=a%00b"
                + "&AWSAccountId.1=000000000000&ActionName.1=SendMessage");
        assertThat(text(control)).as("well-formed XML: no raw NUL").doesNotContain("\u0000").contains("a\uFFFDb");
    }

    @Test
    void queueUrlParameterWinsOverThePath() {
        query("/", "Action=CreateQueue&QueueName=a");
        query("/", "Action=CreateQueue&QueueName=b");
        query("/000000000000/a", "Action=SendMessage&QueueUrl=http%3A%2F%2Flocalhost%3A9324%2F000000000000%2Fb"
                + "&MessageBody=to-b");
        assertThat(text(query("/000000000000/b", "Action=ReceiveMessage"))).contains("<Body>to-b</Body>");
        assertThat(text(query("/000000000000/a", "Action=ReceiveMessage"))).contains("<ReceiveMessageResult/>");
        // A bare queue name works as a QueueUrl too.
        query("/", "Action=SendMessage&QueueUrl=a&MessageBody=bare");
        assertThat(text(query("/", "Action=ReceiveMessage&QueueUrl=a"))).contains("<Body>bare</Body>");
    }

    @Test
    void aServerSideErrorIsARetryableReceiverFaultInEitherProtocol() {
        HttpExchange.Response json = RequestDispatcher.error(new HttpExchange.Request("POST", "/", null,
                HttpExchange.Headers.ofLowerCase(Map.of("x-amz-target", "AmazonSQS.SendMessage")), new byte[0]),
                ErrorCode.SERVICE_UNAVAILABLE, "Retry the request.", "req-3");
        assertThat(json.status()).isEqualTo(503);
        assertThat(json.headers()).containsEntry("x-amzn-query-error", "ServiceUnavailable;Receiver");
        assertThat(text(json)).isEqualTo("{\"__type\":\"com.amazon.coral.service#ServiceUnavailableException\","
                + "\"message\":\"Retry the request.\"}");
        HttpExchange.Response query = RequestDispatcher.error(new HttpExchange.Request("POST", "/", null,
                HttpExchange.Headers.ofLowerCase(Map.of()), new byte[0]), ErrorCode.SERVICE_UNAVAILABLE,
                "Retry the request.", "req-4");
        assertThat(query.status()).isEqualTo(503);
        assertThat(text(query)).contains("<Type>Receiver</Type><Code>ServiceUnavailable</Code>")
                .contains("<Message>Retry the request.</Message>");
    }
}
