package dev.postbox.bench;

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
    private static final String ATTRIBUTES =
            "\"MessageAttributes\":{\"n\":{\"DataType\":\"Number\",\"StringValue\":\"1\"}}";

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
        try (RawConsumer consumer = new RawConsumer(endpoint, url, ",\"MessageAttributeNames\":[\"All\"]")) {
            RawHttpConnection connection = consumer.connection();
            while (System.nanoTime() < endNanos) {
                connection.call(RawHttpConnection.sqsJson(endpoint, "SendMessage",
                        "{\"QueueUrl\":\"" + url + "\"," + entry(fifo) + "," + ATTRIBUTES + "}")).okBody();
                StringBuilder entries = new StringBuilder();
                for (int i = 0; i < 10; i++) {
                    entries.append(i == 0 ? "" : ",").append("{\"Id\":\"e").append(i).append("\",")
                            .append(entry(fifo)).append('}');
                }
                connection.call(RawHttpConnection.sqsJson(endpoint, "SendMessageBatch",
                        "{\"QueueUrl\":\"" + url + "\",\"Entries\":[" + entries + "]}")).okBody();
                List<QueueConsumer.Received> received = consumer.receive();
                if (!received.isEmpty()) {
                    consumer.delete(received);
                }
            }
        }
    }

    /** The fields of one message to send; FIFO messages get unique deduplication ids so that none is dropped. */
    private String entry(boolean fifo) {
        return "\"MessageBody\":\"" + body + "\"" + (fifo ? ",\"MessageGroupId\":\"g" + deduplicationIds.get() % 4
                + "\",\"MessageDeduplicationId\":\"d" + deduplicationIds.incrementAndGet() + "\"" : "");
    }

}
