package dev.postbox.server;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueService;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.api.Waits;
import dev.postbox.core.store.QueueStore;
import dev.postbox.protocol.HttpExchange;
import dev.postbox.protocol.RequestDispatcher;
import dev.postbox.store.embedded.EmbeddedQueueStore;
import dev.postbox.store.embedded.InMemoryQueueStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running Postbox: HTTP (Netty) in front of the queue service. Embeddable: {@code PostboxServer.start(config)} in
 * tests or applications, {@link Main} for the command line.
 *
 * <p>Threads: a few event loops read and write every connection. With the in-memory store a request is answered on
 * its connection's event loop (nothing there blocks), and so is a woken long poll. With the durable store a request
 * is decoded on the event loop; a send is staged there and answered by the committer thread once its group commit is
 * durable, and every other operation (which may wait for the disk) runs on a virtual thread. A long poll holds no
 * thread while it waits (see {@code QueueStore.whenReceivable}).
 */
public final class PostboxServer implements AutoCloseable, ConnectionHandler.Answerer {
    private static final System.Logger LOG = System.getLogger(PostboxServer.class.getName());
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_REQUEST_LINE_AND_HEADERS = 64 * 1024;
    private static final byte[] HEALTHY = "{\"status\":\"UP\"}".getBytes(StandardCharsets.US_ASCII);

    private final PostboxConfig config;
    private final QueueStore store;
    private final QueueService service;
    private final RequestDispatcher dispatcher;
    private final EventLoopGroup eventLoops;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private Channel listener;
    private volatile boolean stopped;

    private PostboxServer(PostboxConfig config, InstantSource clock) {
        this.config = config;
        this.store = switch (config.storage()) {
            case MEMORY -> new InMemoryQueueStore();
            case EMBEDDED -> EmbeddedQueueStore.open(config.dataDir(), EmbeddedQueueStore.fsyncPolicy(config.fsync()),
                    config.fsyncInterval(), clock);
        };
        this.service = new QueueService(store, clock, new ReceiptHandles(store.receiptHandleSecret()),
                new QueueService.Settings(config.accountId(), config.queueReuseDelay(), config.purgeInterval()));
        // With the durable store, operations that may wait for the disk run on virtual threads (sends and deletes
        // complete when their group commit does and need none); with the in-memory store nothing blocks.
        Executor blockingCalls = storeNeverBlocks() ? Runnable::run : Waits.VIRTUAL_THREADS;
        this.dispatcher = new RequestDispatcher(service, new RequestDispatcher.Settings(config.region(),
                config.accountId(), config.publicBaseUrl(), blockingCalls));
        this.eventLoops = new NioEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("postbox-http", true));
    }

    private void listen() {
        boolean pollsOnEventLoop = storeNeverBlocks();
        listener = new ServerBootstrap()
                .group(eventLoops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096) // thousands of pollers may connect at once
                // Responses are small and written in more than one segment: without TCP_NODELAY, Nagle's algorithm
                // and the client's delayed ACK add ~40 ms to a request/response exchange.
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(
                                new HttpServerCodec(MAX_REQUEST_LINE_AND_HEADERS, MAX_REQUEST_LINE_AND_HEADERS, 8192),
                                new ConnectionHandler.BoundedAggregator(config.maxRequestBytes()),
                                new ConnectionHandler(PostboxServer.this, pollsOnEventLoop));
                    }
                })
                .bind(config.host(), config.port())
                .syncUninterruptibly()
                .channel();
    }

    /** The in-memory store never waits for a disk: everything it does may run on an event loop. */
    private boolean storeNeverBlocks() {
        return config.storage() == PostboxConfig.StorageKind.MEMORY;
    }

    public static PostboxServer start(PostboxConfig config) {
        return start(config, InstantSource.system());
    }

    /** Starts with an injected clock (tests drive time by hand). */
    public static PostboxServer start(PostboxConfig config, InstantSource clock) {
        PostboxServer server = new PostboxServer(config, clock);
        try {
            server.listen();
        } catch (RuntimeException e) {
            server.eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            server.store.close();
            throw e;
        }
        return server;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public String endpoint() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    @Override
    public CompletableFuture<HttpExchange.Response> answer(HttpExchange.Request request, Waits waits) {
        if (request.method().equals("GET") && request.path().equals("/health")) {
            return CompletableFuture.completedFuture(new HttpExchange.Response(200, "application/json", Map.of(),
                    HEALTHY));
        }
        String requestId = UUID.randomUUID().toString();
        if (stopped) {
            return CompletableFuture.completedFuture(RequestDispatcher.error(request, ErrorCode.SERVICE_UNAVAILABLE,
                    "The server is shutting down.", requestId));
        }
        activeRequests.incrementAndGet();
        return dispatcher.handle(request, requestId, waits).whenComplete((response, failure) ->
                activeRequests.decrementAndGet());
    }

    @Override
    public HttpExchange.Response tooLarge(HttpExchange.Request request) {
        return RequestDispatcher.error(request, ErrorCode.REQUEST_TOO_LARGE, "The request body exceeds "
                + config.maxRequestBytes() + " bytes.", UUID.randomUUID().toString());
    }

    /** Answers waiting long polls (empty), lets running requests finish, then stops listening. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        service.close();
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (activeRequests.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        listener.close().syncUninterruptibly();
        // Answers already handed to the event loops are written during the quiet period.
        eventLoops.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        store.close();
        LOG.log(System.Logger.Level.DEBUG, "stopped");
    }
}
