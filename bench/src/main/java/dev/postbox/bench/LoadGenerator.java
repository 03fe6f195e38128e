package dev.postbox.bench;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * The load generator: one workload against one SQS endpoint (Postbox or any other; or several nodes of one deployment,
 * --also-endpoint), printing one result line.
 * Works through the AWS SDK for Java v2 async client, except the raw workloads: {@code raw-send} and {@code
 * raw-send-batch} post pre-built JSON SendMessage and SendMessageBatch requests over plain sockets ({@link
 * RawSendLoop}), the raw drains receive and delete over them ({@link RawConsumer}), so the client's CPU cost stays
 * small.
 *
 * <pre>java -cp 'bench/target/postbox-bench.jar:bench/target/lib/*' dev.postbox.bench.LoadGenerator \
 *     --endpoint http://127.0.0.1:9324 --workload send --clients 8 --seconds 10 --server-pid PID</pre>
 */
@Command(name = "load", mixinStandardHelpOptions = true)
public final class LoadGenerator implements Callable<Integer> {
    @Option(names = "--endpoint", required = true)
    String endpoint;
    @Option(names = "--also-endpoint", description = "another node of the same deployment (repeatable): the send,"
            + " send-batch and drain workloads spread their clients over all endpoints, round robin")
    List<String> otherEndpoints = new ArrayList<>();
    @Option(names = "--workload", required = true,
            description = "send, send-batch, raw-send, raw-send-batch, drain, fifo, raw-drain, raw-fifo, e2e, longpoll-idle,"
                    + " raw-longpoll-idle")
    String workload;
    @Option(names = "--clients", defaultValue = "8", description = "producers (send*) or consumers (drain, fifo, e2e)")
    int clients;
    @Option(names = "--seconds", defaultValue = "10")
    int seconds;
    @Option(names = "--messages", defaultValue = "20000", description = "backlog for drain and fifo")
    int messages;
    @Option(names = "--groups", defaultValue = "16", description = "message groups for fifo")
    int groups;
    @Option(names = "--rate", defaultValue = "1000", description = "offered msgs/s for e2e")
    int rate;
    @Option(names = "--producers", defaultValue = "4", description = "producers sharing the offered rate (e2e)")
    int producers;
    @Option(names = "--warmup-seconds", defaultValue = "0",
            description = "mixed traffic (send, receive, delete; standard and FIFO) before the workload, not measured,"
                    + " so that the server's JIT has compiled its hot paths")
    int warmupSeconds;
    @Option(names = "--pollers", defaultValue = "1000", description = "idle long-pollers for longpoll-idle")
    int pollers;
    @Option(names = "--short-poll-seconds", defaultValue = "0",
            description = "longpoll-idle: the pollers first poll with 1 s waits for this long, not measured")
    int shortPollSeconds;
    @Option(names = "--wakeups", defaultValue = "200",
            description = "longpoll-idle: measured single sends that wake a poller, 50 ms apart")
    int wakeups;
    @Option(names = "--body-bytes", defaultValue = "1024")
    int bodyBytes;
    @Option(names = "--server-pid", defaultValue = "0", description = "server process, for CPU time and RSS")
    long serverPid;
    @Option(names = "--database-pid", defaultValue = "0", description = "the database server's main process (the"
            + " PostgreSQL postmaster), for the CPU time of it and its children: database_cpu_us_per_msg")
    long databasePid;
    @Option(names = "--label", defaultValue = "server")
    String label;

    /** longpoll-idle: sends before the measured ones, 50 ms apart, that compile the wake-up path. */
    private static final int UNMEASURED_WAKEUPS = 50;

    /** The client of --endpoint: queue administration, warm-up and the workloads that use one endpoint. */
    private SqsAsyncClient sqs;
    /** One client per endpoint, --endpoint's first. */
    private final List<SqsAsyncClient> nodes = new ArrayList<>();
    private ServerProbe server;
    private final Histogram latencyMicros = new ConcurrentHistogram(3);
    private double clientCpuAtStart;
    private double serverCompilerCpuAtStart;
    /** The database's main process (its tree's CPU time), when --database-pid names it. */
    private ServerProbe database;
    private double databaseCpuAtStart;
    /** This process read as a server is: for the part of the client's own CPU its JIT compiler threads spend. */
    private final ServerProbe self = new ServerProbe(ProcessHandle.current().pid());
    private double clientCompilerCpuAtStart;
    private int run;

    @Option(names = "--runs", defaultValue = "1", description = "times the workload is run and reported on the same"
            + " server; a JVM server reaches its steady state only after some 10^5 requests")
    private int runs;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        server = new ServerProbe(serverPid);
        database = new ServerProbe(databasePid);
        // One event-loop thread, and responses completed on it rather than handed to the SDK's completion thread
        // pool: on 2 cores shared with the server, the default 4 threads and the extra hand-off cost the FIFO drain
        // ~30% more client CPU per message, in context switches (decision 0010).
        sqs = client(endpoint);
        for (String other : otherEndpoints) {
            nodes.add(client(other));
        }
        try {
            warmUp();
            // longpoll-idle keeps its pollers connected and measures --runs consecutive wait cycles itself
            int times = workload.endsWith("longpoll-idle") ? 1 : runs;
            for (run = 1; run <= times; run++) {
                latencyMicros.reset();
                runWorkload();
            }
        } finally {
            nodes.forEach(SqsAsyncClient::close);
        }
        return 0;
    }

    private SqsAsyncClient client(String endpoint) {
        SqsAsyncClient client = SqsAsyncClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClient(NettyNioAsyncHttpClient.builder().maxConcurrency(Math.max(64, pollers + clients + 8))
                        .maxPendingConnectionAcquires(100_000).readTimeout(Duration.ofSeconds(40))
                        .eventLoopGroupBuilder(SdkEventLoopGroup.builder().numberOfThreads(1)).build())
                .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(1)))
                // The load generator never blocks in a completion (it joins on virtual threads).
                .asyncConfiguration(b -> b.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR,
                        Runnable::run))
                .build();
        nodes.add(client);
        return client;
    }

    /** The client of the endpoint that the {@code index}th producer or consumer uses. */
    private SqsAsyncClient node(int index) {
        return nodes.get(index % nodes.size());
    }

    private void runWorkload() throws Exception {
        switch (workload) {
            case "send" -> send(false);
            case "send-batch" -> send(true);
            case "raw-send" -> rawSend(false);
            case "raw-send-batch" -> rawSend(true);
            case "drain" -> drain(false, false);
            case "fifo" -> drain(true, false);
            case "raw-drain" -> drain(false, true);
            case "raw-fifo" -> drain(true, true);
            case "e2e" -> endToEnd();
            case "longpoll-idle" -> longPollIdle(false);
            case "raw-longpoll-idle" -> longPollIdle(true);
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown workload " + workload);
        }
    }

    /**
     * Mixed traffic on one standard and one FIFO queue for --warmup-seconds; nothing is measured. Most of it goes over
     * raw connections (see {@link RawWarmUp}); a few SDK loops warm this client's own SDK paths.
     */
    private void warmUp() throws Exception {
        if (warmupSeconds <= 0) {
            return;
        }
        String standard = queue("bench-warmup-" + System.nanoTime(), false);
        String fifo = queue("bench-warmup-" + System.nanoTime() + ".fifo", true);
        String body = body("w");
        List<SendMessageBatchRequestEntry> fifoEntries = IntStream.range(0, 10).mapToObj(i ->
                SendMessageBatchRequestEntry.builder().id("e" + i).messageBody(body).messageGroupId("g" + i % 4)
                        .build()).toList();
        List<SendMessageBatchRequestEntry> standardEntries = fifoEntries.stream()
                .map(e -> e.toBuilder().messageGroupId(null).build()).toList();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            loops.add(pool.submit(() -> {
                new RawWarmUp(URI.create(endpoint), body).run(standard, fifo, 8, end);
                return null;
            }));
            for (int t = 0; t < 4; t++) {
                String url = t % 2 == 0 ? standard : fifo;
                boolean single = t % 4 < 2;
                loops.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        if (single) {
                            sqs.sendMessage(b -> b.queueUrl(url).messageBody(body).messageGroupId(
                                    url.endsWith(".fifo") ? "g" : null).messageDeduplicationId(
                                    url.endsWith(".fifo") ? java.util.UUID.randomUUID().toString() : null)).join();
                        } else {
                            sqs.sendMessageBatch(b -> b.queueUrl(url).entries(url.endsWith(".fifo")
                                    ? fifoEntries.stream().map(e -> e.toBuilder().messageDeduplicationId(
                                            java.util.UUID.randomUUID().toString()).build()).toList()
                                    : standardEntries)).join();
                        }
                        List<Message> got = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                                .waitTimeSeconds(1)).join().messages();
                        if (!got.isEmpty()) {
                            sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(got.stream().map(m ->
                                    DeleteMessageBatchRequestEntry.builder().id(m.messageId())
                                            .receiptHandle(m.receiptHandle()).build()).toList())).join();
                        }
                    }
                    return null;
                }));
            }
            for (var loop : loops) {
                loop.get(); // a failing warm-up fails the run: its server would be measured in an unknown state
            }
        }
        sqs.deleteQueue(b -> b.queueUrl(standard)).join();
        sqs.deleteQueue(b -> b.queueUrl(fifo)).join();
    }

    private String body(String prefix) {
        return (prefix + ":").concat("x".repeat(Math.max(0, bodyBytes - prefix.length() - 1)));
    }

    private String queue(String name, boolean fifo) {
        return sqs.createQueue(b -> b.queueName(name).attributesWithStrings(fifo ? Map.of("FifoQueue", "true",
                "ContentBasedDeduplication", "true") : Map.of())).join().queueUrl();
    }

    /** Marks the start of the measured phase on stderr (a profiler can wait for it); returns the server's CPU time. */
    private double measuring() {
        System.err.println("MEASURING " + workload);
        clientCpuAtStart = clientCpuSeconds();
        serverCompilerCpuAtStart = server.compilerCpuSeconds();
        databaseCpuAtStart = database.treeCpuSeconds();
        clientCompilerCpuAtStart = self.compilerCpuSeconds();
        return server.cpuSeconds();
    }

    /** This load generator's own CPU time: on a shared machine it bounds what any server can be measured at. */
    private static double clientCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private void report(String workloadName, long count, double seconds, double cpuSeconds, String extra) {
        double clientCpu = clientCpuSeconds() - clientCpuAtStart;
        // Sampled now rather than where the caller sampled the server's CPU time: at most a report's worth later.
        double serverCompilerCpu = server.compilerCpuSeconds() - serverCompilerCpuAtStart;
        double clientCompilerCpu = self.compilerCpuSeconds() - clientCompilerCpuAtStart;
        if (databasePid > 0) { // sampled here too: a drain's last request ended at most a report's worth ago
            extra = String.format(" database_cpu_us_per_msg=%.1f",
                    count == 0 ? 0 : (database.treeCpuSeconds() - databaseCpuAtStart) * 1e6 / count) + extra;
        }
        System.out.printf("RESULT %s %s msgs=%d seconds=%.2f msgs_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
                        + " server_cpu_us_per_msg=%.1f server_jit_cpu_us_per_msg=%.1f client_cpu_us_per_msg=%.1f"
                        + " client_jit_cpu_us_per_msg=%.1f server_rss_mib=%d run=%d%s%n", label,
                workloadName, count, seconds, count / seconds, latencyMicros.getValueAtPercentile(50) / 1000.0,
                latencyMicros.getValueAtPercentile(99) / 1000.0, latencyMicros.getMaxValue() / 1000.0,
                count == 0 ? 0 : cpuSeconds * 1e6 / count, count == 0 ? 0 : serverCompilerCpu * 1e6 / count,
                count == 0 ? 0 : clientCpu * 1e6 / count, count == 0 ? 0 : clientCompilerCpu * 1e6 / count,
                server.rssMiB(), run, extra);
    }

    private void send(boolean batch) throws Exception {
        String url = queue("bench-" + workload + "-" + System.nanoTime(), false);
        String body = body("m");
        List<SendMessageBatchRequestEntry> entries = IntStream.range(0, 10).mapToObj(i ->
                SendMessageBatchRequestEntry.builder().id("e" + i).messageBody(body).build()).toList();
        AtomicLong sent = new AtomicLong();
        AtomicInteger producers = new AtomicInteger();
        ThreadLocal<SqsAsyncClient> producerNode = ThreadLocal.withInitial(() -> node(producers.getAndIncrement()));
        runFor(clients, seconds, () -> {
            long start = System.nanoTime();
            SqsAsyncClient node = producerNode.get();
            if (batch) {
                node.sendMessageBatch(b -> b.queueUrl(url).entries(entries)).join();
                sent.addAndGet(10);
            } else {
                node.sendMessage(b -> b.queueUrl(url).messageBody(body)).join();
                sent.incrementAndGet();
            }
            latencyMicros.recordValue((System.nanoTime() - start) / 1000);
        }, sent, workload);
    }

    /** Runs {@code action} in a loop on {@code threads} virtual threads for {@code seconds}, then reports. */
    private void runFor(int threads, int seconds, ThrowingRunnable action, AtomicLong counter, String name)
            throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<java.util.concurrent.Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            loops.add(pool.submit(() -> {
                while (running.get()) {
                    action.run();
                }
                return null;
            }));
        }
        Thread.sleep(Math.min(2000, seconds * 200L)); // warm-up, not measured
        latencyMicros.reset();
        long startCount = counter.get();
        double startCpu = measuring();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long count = counter.get() - startCount;
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = server.cpuSeconds() - startCpu;
        running.set(false);
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        for (var loop : loops) {
            loop.get(); // a loop that failed fails the run instead of reporting a lower rate
        }
        report(name, count, elapsed, cpu, "");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * SendMessage (or, {@code batch}, SendMessageBatch of 10) over plain keep-alive connections (one per client, each
     * with one request in flight) with one pre-built request: no SDK, and one client thread for them all ({@link
     * RawSendLoop}). A batch's response must name no failed entry.
     */
    private void rawSend(boolean batch) throws Exception {
        String url = queue("bench-raw-" + System.nanoTime(), false);
        URI target = URI.create(endpoint);
        String body = body("m");
        byte[] request = batch
                ? RawHttpConnection.sqsJson(target, "SendMessageBatch", "{\"QueueUrl\":\"" + url + "\",\"Entries\":["
                        + IntStream.range(0, 10).mapToObj(i -> "{\"Id\":\"e" + i + "\",\"MessageBody\":\"" + body
                                + "\"}").collect(java.util.stream.Collectors.joining(",")) + "]}")
                : RawHttpConnection.sqsJson(target, "SendMessage",
                        "{\"QueueUrl\":\"" + url + "\",\"MessageBody\":\"" + body + "\"}");
        int perRequest = batch ? 10 : 1;
        AtomicLong sent = new AtomicLong();
        try (RawSendLoop loop = new RawSendLoop(target, request, clients,
                batch ? response -> !response.contains("\"Failed\":[{") : null, latencyNanos -> {
            sent.addAndGet(perRequest);
            latencyMicros.recordValue(latencyNanos / 1000);
        })) {
            runFor(1, seconds, loop::poll, sent, workload);
        }
    }

    /**
     * Fills a queue (not measured), then K consumers receive 10 + delete batch until every message arrived.
     *
     * @param raw consumers receive and delete over raw connections ({@link RawConsumer}) instead of the SDK, so that
     *            the server, not the SDK's CPU cost on a shared machine, bounds the rate
     */
    private void drain(boolean fifo, boolean raw) throws Exception {
        String url = queue("bench-" + workload + "-" + System.nanoTime() + (fifo ? ".fifo" : ""), fifo);
        int[] nextInGroup = new int[groups];
        List<SendMessageBatchRequestEntry> pending = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<?>> fills = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            int group = i % groups;
            String body = fifo ? body(group + "-" + nextInGroup[group]++) : body("m" + i);
            pending.add(SendMessageBatchRequestEntry.builder().id("e" + pending.size()).messageBody(body)
                    .messageGroupId(fifo ? "g" + group : null).build());
            if (pending.size() == 10 || i == messages - 1) {
                List<SendMessageBatchRequestEntry> entries = List.copyOf(pending);
                pending.clear();
                fills.add(sqs.sendMessageBatch(b -> b.queueUrl(url).entries(entries)));
                // FIFO order is the order in which batches reach the server: send them one after another.
                if (fills.size() >= (fifo ? 1 : 64)) {
                    fills.forEach(java.util.concurrent.CompletableFuture::join);
                    fills.clear();
                }
            }
        }
        fills.forEach(java.util.concurrent.CompletableFuture::join);
        DrainProgress progress = new DrainProgress(fifo, measuring());
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<java.util.concurrent.Future<?>> consumers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SqsAsyncClient node = node(c);
            consumers.add(pool.submit(() -> {
                try (QueueConsumer consumer = raw ? new RawConsumer(URI.create(endpoint), url)
                        : new SdkConsumer(node, url)) {
                    while (!progress.over()) {
                        long t = System.nanoTime();
                        List<QueueConsumer.Received> batch = consumer.receive();
                        progress.polled();
                        if (batch.isEmpty()) {
                            continue; // a long poll that found nothing has no receive latency to report
                        }
                        latencyMicros.recordValue((System.nanoTime() - t) / 1000);
                        progress.received(batch);
                        consumer.delete(batch);
                        progress.deleted();
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        pool.awaitTermination(310, TimeUnit.SECONDS);
        for (var consumer : consumers) {
            consumer.get(); // a consumer that failed fails the run instead of leaving it incomplete
        }
        progress.report();
    }

    /**
     * What a drain has received so far, checked as it arrives. The drain ends when the last message has been
     * received and deleted; consumers still long-polling the empty queue then are not part of the workload, so their
     * wait counts neither in the time nor in the CPU.
     */
    private final class DrainProgress {
        private final boolean fifo;
        private final double startCpu;
        private final long start = System.nanoTime();
        private final Set<String> received = ConcurrentHashMap.newKeySet();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLong orderViolations = new AtomicLong();
        private final AtomicLong receives = new AtomicLong();
        private final Map<Integer, Integer> lastInGroup = new ConcurrentHashMap<>();
        private long finishedAt;
        private double cpuAtFinish;

        DrainProgress(boolean fifo, double startCpu) {
            this.fifo = fifo;
            this.startCpu = startCpu;
        }

        boolean over() {
            return received.size() >= messages || System.nanoTime() - start > 300e9;
        }

        /** Counts a ReceiveMessage, empty or not, until the last message arrived. */
        void polled() {
            if (!over()) {
                receives.incrementAndGet();
            }
        }

        void received(List<QueueConsumer.Received> batch) {
            for (QueueConsumer.Received m : batch) {
                String key = m.body().substring(0, m.body().indexOf(':'));
                if (!received.add(key)) {
                    duplicates.incrementAndGet();
                }
                if (fifo) {
                    int group = Integer.parseInt(key.substring(0, key.indexOf('-')));
                    int index = Integer.parseInt(key.substring(key.indexOf('-') + 1));
                    Integer last = lastInGroup.put(group, index);
                    if (last != null && last >= index) {
                        orderViolations.incrementAndGet();
                    }
                }
            }
        }

        synchronized void deleted() {
            if (received.size() >= messages && finishedAt == 0) {
                cpuAtFinish = server.cpuSeconds();
                finishedAt = System.nanoTime();
            }
        }

        synchronized void report() {
            boolean complete = received.size() == messages;
            double elapsed = ((complete ? finishedAt : System.nanoTime()) - start) / 1e9;
            double cpu = (complete ? cpuAtFinish : server.cpuSeconds()) - startCpu;
            LoadGenerator.this.report(workload, received.size(), elapsed, cpu, " complete=" + complete
                    + " duplicates=" + duplicates.get()
                    + String.format(" msgs_per_receive=%.2f", received.size() / (double) Math.max(1, receives.get()))
                    + (fifo ? " groups=" + groups + " order_violations=" + orderViolations.get() : ""));
        }
    }

    /** Consumers through the SDK: ReceiveMessage(10, long poll), then DeleteMessageBatch. */
    private final class SdkConsumer implements QueueConsumer {
        private final SqsAsyncClient sqs;
        private final String url;

        SdkConsumer(String url) {
            this(LoadGenerator.this.sqs, url);
        }

        SdkConsumer(SqsAsyncClient sqs, String url) {
            this.sqs = sqs;
            this.url = url;
        }

        @Override
        public List<Received> receive(int waitSeconds) {
            return sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds)).join()
                    .messages().stream().map(m -> new Received(m.messageId(), m.body(), m.receiptHandle())).toList();
        }

        @Override
        public void delete(List<Received> batch) {
            sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(batch.stream().map(m ->
                    DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(m.receiptHandle())
                            .build()).toList())).join();
        }
    }

    /** Producers at a fixed total rate, consumers long-polling; latency = receive time minus send time. */
    private void endToEnd() throws Exception {
        String url = queue("bench-e2e-" + System.nanoTime(), false);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong received = new AtomicLong();
        // Sends and deletes are not awaited (open loop), so their failures are counted instead of thrown; a message
        // handed out before (its receive count above 1) is a redelivery: a delete lost, or a delivery lost in flight.
        AtomicLong sendFailures = new AtomicLong();
        AtomicLong deleteFailures = new AtomicLong();
        AtomicLong redelivered = new AtomicLong();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        for (int c = 0; c < clients; c++) {
            pool.submit(() -> {
                while (running.get()) {
                    List<Message> batch = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                            .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)
                            .waitTimeSeconds(1)).join().messages();
                    long now = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
                    for (Message m : batch) {
                        long sentMicros = Long.parseLong(m.body().substring(0, m.body().indexOf(':')));
                        latencyMicros.recordValue(Math.max(0, now - sentMicros));
                        received.incrementAndGet();
                        if (!"1".equals(m.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))) {
                            redelivered.incrementAndGet();
                        }
                    }
                    if (!batch.isEmpty()) {
                        sqs.deleteMessageBatch(b -> b.queueUrl(url).entries(batch.stream().map(m ->
                                DeleteMessageBatchRequestEntry.builder().id(m.messageId()).receiptHandle(
                                        m.receiptHandle()).build()).toList())).whenComplete((response, failure) -> {
                                            if (failure != null || response.hasFailed() && !response.failed().isEmpty()) {
                                                deleteFailures.incrementAndGet();
                                            }
                                        });
                    }
                }
                return null;
            });
        }
        // Several producers share the offered rate: one SDK thread cannot offer 1,000 signed requests a second on
        // two shared cores. Each sends on its own schedule and does not wait for answers (open loop).
        long intervalNanos = 1_000_000_000L * producers / rate;
        double startCpu = measuring();
        long start = System.nanoTime();
        AtomicLong offered = new AtomicLong();
        try (ExecutorService producerPool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < producers; p++) {
                long offset = intervalNanos * p / producers;
                producerPool.submit(() -> {
                    for (long sent = 0; System.nanoTime() - start < seconds * 1_000_000_000L; sent++) {
                        long wait = start + offset + sent * intervalNanos - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(Duration.ofNanos(wait));
                        }
                        long micros = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
                        sqs.sendMessage(b -> b.queueUrl(url).messageBody(body(Long.toString(micros))))
                                .whenComplete((response, failure) -> {
                                    if (failure != null) {
                                        sendFailures.incrementAndGet();
                                    }
                                });
                        offered.incrementAndGet();
                    }
                    return null;
                });
            }
        }
        Thread.sleep(2000);
        running.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
        report("e2e", received.get(), elapsed, server.cpuSeconds() - startCpu, String.format(
                " offered_per_s=%d actually_offered_per_s=%.0f send_failures=%d delete_failures=%d redelivered=%d",
                rate, offered.get() / (double) seconds, sendFailures.get(), deleteFailures.get(), redelivered.get()));
    }

    /** Waits until the server's CPU use stays under a tenth of a core for a second (at most 30 s). */
    private void settle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double before = server.cpuSeconds();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            double now = server.cpuSeconds();
            if (now - before < 0.1) {
                return;
            }
            before = now;
        }
    }

    /**
     * C pollers wait on an empty queue (WaitTimeSeconds 20, what idle workers use): server CPU and RSS in the steady
     * state, then the wake-up latency of single sends. The idle window starts once every poller has sent its first
     * request and the server has parked them, and lasts {@code --seconds} (give it 20 or more: then it holds one
     * full wait cycle, i.e. each poller's repeated poll, which is what idle pollers cost).
     *
     * <p>With --short-poll-seconds the pollers first poll with 1-second waits for that long, so that the server's
     * code for polls that time out is compiled before anything is measured: at 20-second waits 10,000 pollers make
     * only 500 polls a second, and the JIT was still compiling that path (a fifth of the server's CPU) after 4
     * cycles. The pollers then move to 20 s waits one by one over min(20, short-poll-seconds) seconds, so that their
     * polls time out spread over the cycle like independent workers' (all switching at once bunched every expiry of a
     * cycle into one second, and wake-ups measured then waited behind that burst). Likewise the first
     * {@link #UNMEASURED_WAKEUPS} sends are not measured: they compile the wake-up path (a send that finds a waiting
     * poll, its answer, the poller's receive and delete) on both sides.
     *
     * @param raw pollers and the sender use raw connections ({@link RawConsumer}): 10,000 SDK connections cost the
     *            load generator a ~1 GB heap whose collection pauses (0.1-0.5 s on the 2 shared cores) land in the
     *            wake-up latencies it measures
     */
    private void longPollIdle(boolean raw) throws Exception {
        String url = queue("bench-idle-" + System.nanoTime(), false);
        URI target = URI.create(endpoint);
        // Each poller moves from 1 s to 20 s waits at its own moment, spread evenly over the spread window after the
        // short polls, so that polls time out spread over the cycle (as independent workers' do), not in a burst.
        long spreadNanos = TimeUnit.SECONDS.toNanos(Math.min(20, shortPollSeconds));
        AtomicLong longWaitsFrom = new AtomicLong(shortPollSeconds > 0 ? Long.MAX_VALUE : System.nanoTime());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong polls = new AtomicLong();
        AtomicLong pollErrors = new AtomicLong();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        for (int p = 0; p < pollers; p++) {
            pool.submit(() -> {
                long switchAfter = spreadNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(spreadNanos);
                QueueConsumer connected;
                try {
                    connected = raw ? new RawConsumer(target, url) : new SdkConsumer(url);
                } catch (IOException e) {
                    pollErrors.incrementAndGet(); // a server that cannot take the connection: counted, not fatal
                    polls.incrementAndGet(); // the ramp waits for every poller to have started
                    return null;
                }
                try (QueueConsumer poller = connected) {
                    while (running.get()) {
                        try {
                            polls.incrementAndGet();
                            long from = longWaitsFrom.get();
                            boolean longWait = from != Long.MAX_VALUE && System.nanoTime() - from >= switchAfter;
                            List<QueueConsumer.Received> batch = poller.receive(longWait ? 20 : 1);
                            long now = System.nanoTime();
                            for (QueueConsumer.Received m : batch) {
                                Long at = sentAt.remove(m.body().substring(0, m.body().indexOf(':')));
                                if (at != null) {
                                    latencyMicros.recordValue((now - at) / 1000);
                                }
                            }
                            if (!batch.isEmpty()) {
                                poller.delete(batch);
                            }
                        } catch (Exception e) {
                            if (running.get()) {
                                pollErrors.incrementAndGet();
                                Thread.sleep(100);
                            }
                        }
                    }
                }
                return null;
            });
        }
        long rampStart = System.nanoTime();
        while (polls.get() < pollers && System.nanoTime() - rampStart < TimeUnit.SECONDS.toNanos(60)) {
            Thread.sleep(100);
        }
        if (shortPollSeconds > 0) {
            Thread.sleep(TimeUnit.SECONDS.toMillis(shortPollSeconds));
            longWaitsFrom.set(System.nanoTime());
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(spreadNanos) + 2000); // every poller's last short poll ended
        }
        settle(); // the server parks the last requests
        double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
        // One wait cycle per run: every poller's poll times out once in it. The last cycle is reported (steady
        // state); the first one's CPU is reported beside it.
        double firstCyclePct = 0;
        double idleSeconds = 0;
        double idleCpu = 0;
        long idlePolls = 0;
        for (int cycle = 1; cycle <= runs; cycle++) {
            double startCpu = measuring();
            long pollsBefore = polls.get();
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            idleSeconds = (System.nanoTime() - start) / 1e9;
            idleCpu = server.cpuSeconds() - startCpu;
            idlePolls = polls.get() - pollsBefore;
            if (cycle == 1) {
                firstCyclePct = idleCpu / idleSeconds * 100;
            }
        }
        long idleRss = server.rssMiB();
        int failedSends = 0;
        RawHttpConnection sender = null;
        // A server that no longer accepts connections (ElasticMQ with 10,000 raw pollers) makes every send wait out
        // its 5 s connect timeout: the phase ends after 60 s plus 100 ms per send, with what it measured by then.
        long wakeupsEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(60_000L + 100L * (wakeups
                + UNMEASURED_WAKEUPS));
        int i = -UNMEASURED_WAKEUPS;
        for (; i < wakeups && System.nanoTime() < wakeupsEnd; i++) {
            String key = "w" + i;
            if (i >= 0) {
                sentAt.put(key, System.nanoTime());
            }
            try {
                if (raw) {
                    sender = sender != null ? sender : new RawHttpConnection(target);
                    sender.call(RawHttpConnection.sqsJson(target, "SendMessage",
                            "{\"QueueUrl\":\"" + url + "\",\"MessageBody\":\"" + body(key) + "\"}")).okBody();
                } else {
                    sqs.sendMessage(b -> b.queueUrl(url).messageBody(body(key))).join();
                }
            } catch (RuntimeException | IOException e) {
                sentAt.remove(key);
                failedSends += i >= 0 ? 1 : 0;
                if (sender != null && e instanceof IOException) {
                    sender.close(); // a broken connection: the next send opens another
                    sender = null;
                }
            }
            Thread.sleep(50);
        }
        int unsent = wakeups - Math.max(0, i);
        if (sender != null) {
            sender.close();
        }
        Thread.sleep(1000);
        running.set(false);
        System.out.printf("RESULT %s %s pollers=%d ramp_seconds=%.1f idle_seconds=%.1f idle_polls=%d"
                        + " server_cpu_pct_of_one_core=%.2f server_cpu_us_per_poll=%.1f server_rss_mib=%d"
                        + " failed_sends=%d unsent_wakeups=%d poll_errors=%d wakeups=%d wake_p50_ms=%.2f"
                        + " wake_p99_ms=%.2f wake_max_ms=%.2f cycles=%d first_cycle_cpu_pct=%.2f%n",
                label, workload, pollers, rampSeconds, idleSeconds, idlePolls, idleCpu / idleSeconds * 100,
                idlePolls == 0 ? 0 : idleCpu * 1e6 / idlePolls, idleRss, failedSends, unsent, pollErrors.get(),
                latencyMicros.getTotalCount(),
                latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
                latencyMicros.getMaxValue() / 1000.0, runs, firstCyclePct);
        pool.shutdownNow();
    }
}
