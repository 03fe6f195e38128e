package dev.postbox.server;

import dev.postbox.auth.Identities;
import dev.postbox.auth.Identity;
import dev.postbox.auth.SigV4Authenticator;
import dev.postbox.core.ErrorCode;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.api.Waits;
import dev.postbox.core.api.SqsApi;
import dev.postbox.core.service.QueueService;
import dev.postbox.server.console.Console;
import dev.postbox.server.console.QueueHistory;
import dev.postbox.server.metrics.CommitMeters;
import dev.postbox.server.metrics.MeteredSqsApi;
import dev.postbox.server.metrics.ServerMetrics;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.time.ServiceClock;
import dev.postbox.protocol.Authenticator;
import dev.postbox.protocol.HttpExchange;
import dev.postbox.protocol.RequestDispatcher;
import dev.postbox.store.memory.InMemoryQueueStore;
import dev.postbox.store.postgres.PostgresDatabase;
import dev.postbox.store.rocksdb.RocksDbQueueStore;
import dev.postbox.store.rocksdb.journal.Journal;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running Postbox: HTTP (Netty) in front of the queue service. Embeddable: {@code PostboxServer.start(config)} in
 * tests or applications, {@link Main} for the command line.
 *
 * <p>Threads: a few event loops read and write every connection. Every request is decoded and dispatched on its
 * connection's event loop, whatever the store: no {@code SqsApi} call blocks (the {@code QueueStore} contract), so
 * the answer is written there when it is ready at once, or by whichever thread completes it later (a durable store's
 * committer, say). A long poll holds no thread while it waits: it resumes on its connection's event loop, and its
 * deadline is kept there, on the server's clock (decision 0015).
 */
public final class PostboxServer implements AutoCloseable, ConnectionHandler.Answerer {
    private static final System.Logger LOG = System.getLogger(PostboxServer.class.getName());
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final byte[] HEALTHY = "{\"status\":\"UP\"}".getBytes(StandardCharsets.US_ASCII);
    private static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PostboxConfig config;
    private final ServiceClock clock;
    private final QueueStore store;
    private final QueueService service;
    private final RequestDispatcher dispatcher;
    /** Null: metrics.enabled=false. */
    private final ServerMetrics metrics;
    /** Null: not served (console.enabled=false, auth on, or not bound to loopback). */
    private final Console console;
    /** Null: plain HTTP. */
    private final SslContext tls;
    private ListenerLimits.ConnectionLimit connectionLimit;
    private final EventLoopGroup eventLoops;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private Channel listener;
    private volatile boolean stopped;

    private PostboxServer(PostboxConfig config, ServiceClock clock) {
        this.config = config;
        this.clock = clock;
        Identities identities = identities(config); // before the store opens: a bad file fails cleanly
        Authenticator authenticator = authenticator(config, identities);
        this.tls = tls(config.tls());
        this.store = switch (config.storage()) {
            case MEMORY -> new InMemoryQueueStore();
            case EMBEDDED -> RocksDbQueueStore.open(new Journal.Settings(config.dataDir(), config.fsync(),
                    config.fsyncInterval(), config.commitLogSegmentBytes()), clock, config.region());
            case POSTGRES -> PostgresDatabase.openStore(config.postgres());
        };
        this.service = new QueueService(store, clock, new ReceiptHandles(store.receiptHandleSecret()),
                new QueueService.Settings(config.accountId(), config.queueReuseDelay(), config.purgeInterval(),
                        config.queueUrlStyle()));
        this.metrics = config.metricsEnabled() ? new ServerMetrics(store, clock,
                () -> connectionLimit == null ? 0 : connectionLimit.open()) : null;
        if (metrics != null && store instanceof RocksDbQueueStore embedded) {
            CommitMeters.bind(embedded.commitStats(), metrics.registry());
        }
        SqsApi api = metrics == null ? service
                : new MeteredSqsApi(service, metrics.registry(), metrics.queues(), config.accountId());
        this.dispatcher = new RequestDispatcher(api, new RequestDispatcher.Settings(config.region(),
                config.accountId(), config.publicBaseUrl(), tls == null ? "http" : "https"), authenticator,
                config.logging().accessLog() ? new AccessLog() : null);
        this.console = consoleServed(config) ? new Console(api, store, clock, config.region(), config.accountId(),
                metrics == null ? null : new QueueHistory(store, metrics.queues(), clock),
                identities == null ? null : signIn(identities)) : null;
        this.eventLoops = new NioEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("postbox-http", true));
    }

    /**
     * With authentication on, the console asks to sign in and is served wherever the server listens; with it off,
     * the console could act on every queue, so it is served only where nobody else can reach it (loopback).
     */
    private static boolean consoleServed(PostboxConfig config) {
        return config.consoleEnabled()
                && (config.auth().mode() != PostboxConfig.AuthMode.OFF || config.loopbackOnly());
    }

    /**
     * The door of {@code auth.mode}. A signature's 15-minute window is judged on the wall clock, not on the service's
     * clock: tests move the latter by days while their SDK clients sign with the real time.
     */
    private static Authenticator authenticator(PostboxConfig config, Identities identities) {
        return identities == null ? Authenticator.none(config.accountId())
                : new SigV4Authenticator(identities, InstantSource.system());
    }

    /** The identities requests are signed by, or null with {@code auth.mode=off}. */
    private static Identities identities(PostboxConfig config) {
        PostboxConfig.Auth auth = config.auth();
        if (auth.mode() == PostboxConfig.AuthMode.OFF) {
            return null;
        }
        Identity configured = auth.accessKeyId() == null ? null : new Identity(auth.accessKeyId(),
                auth.secretAccessKey(), auth.accountId(), auth.accessKeyId(), null);
        try {
            return Identities.of(configured, auth.identitiesFile(), auth.accountId());
        } catch (IllegalArgumentException e) {
            throw new PostboxConfig.ConfigException("invalid " + PostboxConfig.AUTH_IDENTITIES_FILE + ": "
                    + e.getMessage());
        }
    }

    /** A console sign-in: the identity's access key and its secret (compared in constant time). */
    private static Console.SignIn signIn(Identities identities) {
        return (accessKeyId, secret) -> identities.find(accessKeyId)
                .filter(identity -> java.security.MessageDigest.isEqual(
                        identity.secretAccessKey().getBytes(StandardCharsets.UTF_8),
                        secret.getBytes(StandardCharsets.UTF_8)))
                .map(identity -> new Console.Identity(identity.accountId(), identity.principalId()));
    }

    /** The server's TLS context (null: plain HTTP). */
    private static SslContext tls(PostboxConfig.Tls tls) {
        if (tls == null) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(tls.certificateFile().toFile(), tls.privateKeyFile().toFile()).build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new PostboxConfig.ConfigException("the TLS certificate " + tls.certificateFile() + " and key "
                    + tls.privateKeyFile() + " do not make a TLS context (PEM; the key PKCS#8, unencrypted): "
                    + e.getMessage());
        }
    }

    private void listen() {
        PostboxConfig.Listener limits = config.listener();
        connectionLimit = new ListenerLimits.ConnectionLimit(limits.maxConnections());
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
                        ListenerLimits.RequestReadTimeout readTimeout =
                                new ListenerLimits.RequestReadTimeout(limits.requestReadTimeout());
                        // Idle: nothing read for the timeout. Reads alone are watched (writes only answer requests,
                        // and a connection is never closed while one is under way): no listener on every write.
                        channel.pipeline().addLast(connectionLimit,
                                new IdleStateHandler(limits.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                        if (tls != null) {
                            channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(readTimeout,
                                // Header values are not validated: a control character in a header Postbox does
                                // not read is no reason to refuse a request (AWS serves it), and no request
                                // header is ever echoed into a response.
                                new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(limits.maxHeaderBytes())
                                        .setMaxHeaderSize(limits.maxHeaderBytes()).setMaxChunkSize(8192)
                                        .setValidateHeaders(false)),
                                new ConnectionHandler.BoundedAggregator(config.maxRequestBytes()),
                                new ConnectionHandler(PostboxServer.this, readTimeout,
                                        limits.maxPipelinedRequests()));
                    }
                })
                .bind(config.host(), config.port())
                .syncUninterruptibly()
                .channel();
    }

    public static PostboxServer start(PostboxConfig config) {
        return start(config, ServiceClock.system());
    }

    /** Starts with an injected clock (tests drive time, long-poll deadlines included, by hand). */
    public static PostboxServer start(PostboxConfig config, ServiceClock clock) {
        PostboxServer server = new PostboxServer(config, clock);
        try {
            server.service.resumeMoveTasks();
            if (config.queuesFile() != null) {
                DeclaredQueues.apply(config.queuesFile(), DeclaredQueues.read(config.queuesFile(), config.region(),
                        config.accountId()), server.service, config.publicBaseUrl() != null ? config.publicBaseUrl()
                        : "http://" + config.host() + ":" + config.port());
            }
            server.listen();
        } catch (RuntimeException e) {
            server.eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            server.service.close();
            server.store.close();
            throw e;
        }
        return server;
    }

    /** Connections open now (tests wait for the ones they closed to be seen closed). */
    int openConnections() {
        return connectionLimit.open();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public String endpoint() {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return (tls == null ? "http://" : "https://") + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + port();
    }

    /** A connection's long polls resume on its event loop and keep their deadlines there, on the server's clock. */
    @Override
    public Waits waitsOn(EventLoop eventLoop) {
        return new Waits(eventLoop, clock.timerOn(eventLoop));
    }

    @Override
    public CompletableFuture<HttpExchange.Response> answer(HttpExchange.Request request, Waits waits) {
        if (request.method().equals("GET") && request.path().equals("/health")) {
            return CompletableFuture.completedFuture(new HttpExchange.Response(200, "application/json", Map.of(),
                    HEALTHY));
        }
        if (Console.owns(request.path())) {
            return console != null ? console.answer(request) : CompletableFuture.completedFuture(Console.text(404,
                    "The console is served with console.enabled=true, and with auth.mode=off only on a loopback"
                    + " http.host."));
        }
        if (metrics != null && request.method().equals("GET") && request.path().equals("/metrics")) {
            return metrics.scrape().handle((text, failure) -> {
                if (failure != null) {
                    LOG.log(System.Logger.Level.ERROR, "metrics scrape failed", failure);
                    return new HttpExchange.Response(500, "text/plain", Map.of(),
                            "metrics unavailable\n".getBytes(StandardCharsets.UTF_8));
                }
                return new HttpExchange.Response(200, METRICS_CONTENT_TYPE, Map.of(),
                        text.getBytes(StandardCharsets.UTF_8));
            });
        }
        String requestId = UUID.randomUUID().toString();
        if (stopped) {
            return CompletableFuture.completedFuture(RequestDispatcher.error(request, ErrorCode.SERVICE_UNAVAILABLE,
                    "The server is shutting down.", requestId));
        }
        activeRequests.incrementAndGet();
        return dispatcher.handle(request, requestId, waits).whenComplete((response, failure) -> {
            activeRequests.decrementAndGet();
            if (metrics != null && response != null) {
                metrics.responded(response.status());
            }
        });
    }

    @Override
    public HttpExchange.Response tooLarge(HttpExchange.Request request) {
        return RequestDispatcher.error(request, ErrorCode.REQUEST_TOO_LARGE, "The request body exceeds "
                + config.maxRequestBytes() + " bytes.", UUID.randomUUID().toString());
    }

    @Override
    public HttpExchange.Response malformed(HttpExchange.Request request) {
        return RequestDispatcher.error(request, ErrorCode.MALFORMED_REQUEST, "The HTTP request is malformed.",
                UUID.randomUUID().toString());
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
        if (console != null) {
            console.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        store.close();
        LOG.log(System.Logger.Level.DEBUG, "stopped");
    }
}
