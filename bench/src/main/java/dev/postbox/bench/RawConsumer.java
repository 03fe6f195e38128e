package dev.postbox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A queue consumer over one raw keep-alive connection (AWS JSON protocol): pre-built ReceiveMessage requests, and a
 * DeleteMessageBatch built from what arrived. It skips what the SDK does per call on the client's side (signing,
 * MD5 checks, its HTTP pipeline), so that on a shared 2-core machine the server's cost decides the rate.
 */
final class RawConsumer implements QueueConsumer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String queueUrl;
    private final RawHttpConnection connection;
    private final String receiveFields;
    /** The pre-built ReceiveMessage request for each wait time asked for so far (0 to 20 seconds). */
    private final byte[][] receiveByWait = new byte[21][];

    RawConsumer(URI endpoint, String queueUrl) throws IOException {
        this(endpoint, queueUrl, "");
    }

    /** @param receiveFields more ReceiveMessage fields, each with a leading comma ({@code ,"Name":value}) */
    RawConsumer(URI endpoint, String queueUrl, String receiveFields) throws IOException {
        this.endpoint = endpoint;
        this.queueUrl = queueUrl;
        this.connection = new RawHttpConnection(endpoint);
        this.receiveFields = receiveFields;
    }

    /** This consumer's connection, for other requests on the same queue. */
    RawHttpConnection connection() {
        return connection;
    }

    @Override
    public List<Received> receive(int waitSeconds) throws IOException {
        byte[] receive = receiveByWait[waitSeconds];
        if (receive == null) {
            receive = RawHttpConnection.sqsJson(endpoint, "ReceiveMessage", "{\"QueueUrl\":\"" + queueUrl
                    + "\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":" + waitSeconds + receiveFields + "}");
            receiveByWait[waitSeconds] = receive;
        }
        List<Received> received = new ArrayList<>(10);
        for (JsonNode message : JSON.readTree(connection.call(receive).okBody()).path("Messages")) {
            received.add(new Received(message.get("MessageId").asText(), message.get("Body").asText(),
                    message.get("ReceiptHandle").asText()));
        }
        return received;
    }

    @Override
    public void delete(List<Received> batch) throws IOException {
        StringBuilder json = new StringBuilder("{\"QueueUrl\":\"").append(queueUrl).append("\",\"Entries\":[");
        for (int i = 0; i < batch.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"Id\":\"").append(batch.get(i).messageId())
                    .append("\",\"ReceiptHandle\":").append(JSON.writeValueAsString(batch.get(i).receiptHandle()))
                    .append('}');
        }
        JsonNode result = JSON.readTree(connection.call(RawHttpConnection.sqsJson(endpoint, "DeleteMessageBatch",
                json.append("]}").toString())).okBody());
        if (!result.path("Failed").isEmpty()) {
            throw new IllegalStateException("DeleteMessageBatch failed entries: " + result.get("Failed"));
        }
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
