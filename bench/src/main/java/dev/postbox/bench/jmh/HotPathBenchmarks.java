package dev.postbox.bench.jmh;

import dev.postbox.core.Md5Digests;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteMessage;
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.Waits;
import dev.postbox.core.service.QueueService;
import dev.postbox.core.time.ServiceClock;
import dev.postbox.protocol.HttpExchange;
import dev.postbox.protocol.RequestDispatcher;
import dev.postbox.store.memory.InMemoryQueueStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Microbenchmarks of the hot paths: digests, both codecs end to end through the dispatcher (in-memory engine),
 * and the engine's send, receive and delete. Run: {@code scripts/bench-jmh.sh [regex]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HotPathBenchmarks {
    private static final String BODY = "x".repeat(1024);
    private final Map<String, MessageAttributeValue> attributes = Map.of(
            "a", MessageAttributeValue.ofString("String", "value"),
            "n", MessageAttributeValue.ofString("Number", "42"));
    private QueueService service;
    private RequestDispatcher dispatcher;
    private Waits waits;
    private CallContext call;
    private String url;
    private HttpExchange.Request jsonSend;
    private HttpExchange.Request querySend;

    @Setup
    public void setUp() {
        service = new QueueService(new InMemoryQueueStore(), ServiceClock.system(), new ReceiptHandles(new byte[32]),
                QueueService.Settings.defaults());
        dispatcher = new RequestDispatcher(service, new RequestDispatcher.Settings("us-east-1", "000000000000", null));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "jmh-timer");
            thread.setDaemon(true);
            return thread;
        });
        waits = new Waits(timer, ServiceClock.system().timerOn(timer)); // no benchmark here waits
        call = new CallContext("http://localhost:9324", "bench", "us-east-1", waits);
        url = service.createQueue(call, new CreateQueue.Request("jmh", Map.of(), Map.of())).join().queueUrl();
        jsonSend = new HttpExchange.Request("POST", "/", null, HttpExchange.Headers.ofLowerCase(Map.of("x-amz-target",
                "AmazonSQS.SendMessage", "host", "localhost:9324")), ("{\"QueueUrl\":\"" + url + "\",\"MessageBody\":\"" + BODY
                + "\",\"MessageAttributes\":{\"a\":{\"DataType\":\"String\",\"StringValue\":\"value\"}}}")
                .getBytes(StandardCharsets.UTF_8));
        querySend = new HttpExchange.Request("POST", "/000000000000/jmh", null,
                HttpExchange.Headers.ofLowerCase(Map.of("content-type", "application/x-www-form-urlencoded", "host",
                        "localhost:9324")), ("Action=SendMessage&MessageBody="
                + BODY + "&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String"
                + "&MessageAttribute.1.Value.StringValue=value").getBytes(StandardCharsets.UTF_8));
    }

    @Benchmark
    public String md5OfBody() {
        return Md5Digests.ofBody(BODY);
    }

    @Benchmark
    public String md5OfAttributes() {
        return Md5Digests.ofAttributes(attributes);
    }

    /** JSON decode, engine send, JSON encode (the queue grows; receive benchmarks below drain their own). */
    @Benchmark
    public HttpExchange.Response jsonSendMessage() {
        return dispatcher.handle(jsonSend, "id", waits).join();
    }

    @Benchmark
    public HttpExchange.Response querySendMessage() {
        return dispatcher.handle(querySend, "id", waits).join();
    }

    /** Engine only: send one message, receive it, delete it. */
    @Benchmark
    public void engineSendReceiveDelete() {
        service.sendMessage(call, new SendMessage.Request(url, BODY, null, attributes, null, null, null)).join();
        ReceiveMessage.Message message = service.receiveMessage(call, new ReceiveMessage.Request(url, null,
                null, 1, 30, 0, null)).join().messages().getFirst();
        service.deleteMessage(call, new DeleteMessage.Request(url, message.receiptHandle())).join();
    }
}
