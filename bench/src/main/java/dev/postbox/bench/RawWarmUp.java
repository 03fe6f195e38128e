package dev.postbox.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unmeasured traffic that brings a server's JIT to its steady state before a workload is measured: SendMessage,
 * SendMessageBatch, ReceiveMessage and DeleteMessageBatch on a standard and a FIFO queue, over raw connections so
 * that the server, not the SDK, gets the CPU. A JVM server reaches its steady state only after some 10^5 requests
 * (ElasticMQ's CPU per send fell from 800 to 160 µs over 30 s of load here); the SDK alone sends too few.
 */
final class RawWarmUp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "Content-Type: application/x-amz-json-1.0";

    private final URI endpoint;
    private final String body;
    private final AtomicLong deduplicationIds = new AtomicLong();

    RawWarmUp(URI endpoint, String body) {
        this.endpoint = endpoint;
        this.body = body;
    }

    /** Runs {@code connections} loops, alternating the two queues, until {@code endNanos}. */
    void run(String standardUrl, String fifoUrl, int connections, long endNanos) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                String url = c % 2 == 0 ? standardUrl : fifoUrl;
                loops.add(pool.submit(() -> {
                    loop(url, url.endsWith(".fifo"), endNanos);
                    return null;
                }));
            }
            for (var loop : loops) {
                loop.get();
            }
        }
    }

    private void loop(String url, boolean fifo, long endNanos) throws Exception {
        byte[] receive = request("ReceiveMessage", "{\"QueueUrl\":\"" + url
                + "\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"MessageAttributeNames\":[\"All\"]}");
        try (RawHttpConnection connection = new RawHttpConnection(endpoint)) {
            while (System.nanoTime() < endNanos) {
                check(connection.call(request("SendMessage", "{\"QueueUrl\":\"" + url + "\"," + entry(fifo)
                        + ",\"MessageAttributes\":{\"n\":{\"DataType\":\"Number\",\"StringValue\":\"1\"}}}")));
                StringBuilder entries = new StringBuilder();
                for (int i = 0; i < 10; i++) {
                    entries.append(i == 0 ? "" : ",").append("{\"Id\":\"e").append(i).append("\",")
                            .append(entry(fifo)).append('}');
                }
                check(connection.call(request("SendMessageBatch",
                        "{\"QueueUrl\":\"" + url + "\",\"Entries\":[" + entries + "]}")));
                JsonNode received = JSON.readTree(check(connection.call(receive)));
                StringBuilder deletes = new StringBuilder();
                int id = 0;
                for (JsonNode message : received.path("Messages")) {
                    deletes.append(id == 0 ? "" : ",").append("{\"Id\":\"d").append(id++)
                            .append("\",\"ReceiptHandle\":").append(message.get("ReceiptHandle")).append('}');
                }
                if (!deletes.isEmpty()) {
                    check(connection.call(request("DeleteMessageBatch",
                            "{\"QueueUrl\":\"" + url + "\",\"Entries\":[" + deletes + "]}")));
                }
            }
        }
    }

    /** The fields of one message to send; FIFO messages get unique deduplication ids so that none is dropped. */
    private String entry(boolean fifo) {
        return "\"MessageBody\":\"" + body + "\"" + (fifo ? ",\"MessageGroupId\":\"g" + deduplicationIds.get() % 4
                + "\",\"MessageDeduplicationId\":\"d" + deduplicationIds.incrementAndGet() + "\"" : "");
    }

    private byte[] request(String action, String json) {
        return RawHttpConnection.post(endpoint, json, CONTENT_TYPE, "X-Amz-Target: AmazonSQS." + action);
    }

    private static byte[] check(RawHttpConnection.Response response) {
        if (response.status() != 200) {
            throw new IllegalStateException("warm-up request failed with status " + response.status() + ": "
                    + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return response.body();
    }
}
