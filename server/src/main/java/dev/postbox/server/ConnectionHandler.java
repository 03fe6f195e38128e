package dev.postbox.server;

import dev.postbox.core.api.Waits;
import dev.postbox.protocol.HttpExchange;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * One connection: turns each aggregated HTTP request into an {@link HttpExchange.Request}, has it answered, and
 * writes the answer. Requests are answered strictly in arrival order: one that arrives while an earlier one (a long
 * poll, say) is unanswered waits its turn, and the connection stops reading meanwhile. Its state is touched only on
 * the connection's event loop.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(ConnectionHandler.class.getName());

    /** How the server answers a request (the answer may complete later, on any thread). */
    interface Answerer {
        /** @param waits where the request's long poll, if it waits, resumes and keeps its deadline */
        CompletableFuture<HttpExchange.Response> answer(HttpExchange.Request request, Waits waits);

        /** Where the long polls of a connection on this event loop resume and keep their deadlines. */
        Waits waitsOn(EventLoop eventLoop);

        /** The answer to a request whose body exceeds the configured bound (its body is not read). */
        HttpExchange.Response tooLarge(HttpExchange.Request request);

        /** The answer to a request HTTP itself could not parse (what was parsed of it picks the protocol). */
        HttpExchange.Response malformed(HttpExchange.Request request);
    }

    /** Fired by {@link BoundedAggregator} in place of a request whose body is too large. */
    private record Oversized(HttpMessage head) {
    }

    /** Aggregates a request and its body; a body over the bound is discarded and answered as {@link Oversized}. */
    static final class BoundedAggregator extends HttpObjectAggregator {
        BoundedAggregator(int maxContentLength) {
            super(maxContentLength);
        }

        /**
         * An expectation other than 100-continue is ignored instead of answered with Netty's bare 417 (no request
         * id, no protocol): the request is served as if it had none.
         */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength,
                                             io.netty.channel.ChannelPipeline pipeline) {
            String expect = start.headers().get(io.netty.handler.codec.http.HttpHeaderNames.EXPECT);
            if (expect != null && !io.netty.handler.codec.http.HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(
                    expect.trim())) {
                start.headers().remove(io.netty.handler.codec.http.HttpHeaderNames.EXPECT);
                return null;
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            // The rest of the body is read and dropped by the aggregator; the answer goes out in request order.
            ctx.fireChannelRead(new Oversized(oversized));
        }
    }

    private final Answerer answerer;
    private final ListenerLimits.RequestReadTimeout readTimeout;
    private final int maxPipelined;
    private final Queue<Object> waiting = new ArrayDeque<>();
    private boolean answering;
    /** Where this connection's long polls resume and keep their deadlines; set once the channel has its loop. */
    private Waits waits;
    /** Whether this connection is TLS (its pipeline has a TLS handler before this one). */
    private boolean secure;
    /** The client's IP address, as text (null when unknown): the same for every request of the connection. */
    private String remoteAddress;

    /**
     * Requests are handed to the answerer on the connection's event loop, which must not block there.
     *
     * @param readTimeout  told when a request has arrived whole
     * @param maxPipelined requests read ahead of the one being answered, at most: one more closes the connection
     */
    ConnectionHandler(Answerer answerer, ListenerLimits.RequestReadTimeout readTimeout, int maxPipelined) {
        this.answerer = answerer;
        this.readTimeout = readTimeout;
        this.maxPipelined = maxPipelined;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        waits = answerer.waitsOn(ctx.channel().eventLoop());
        secure = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
        remoteAddress = ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress address
                && address.getAddress() != null ? address.getAddress().getHostAddress() : null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (!(message instanceof FullHttpRequest) && !(message instanceof Oversized)) {
            ReferenceCountUtil.release(message);
            return;
        }
        readTimeout.requestRead();
        if (answering) {
            if (waiting.size() >= maxPipelined) {
                LOG.log(System.Logger.Level.DEBUG, "more than http.max-pipelined-requests requests read ahead;"
                        + " closing " + ctx.channel().remoteAddress());
                ReferenceCountUtil.release(message);
                ctx.close();
                return;
            }
            waiting.add(message);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        answer(ctx, message);
    }

    private void answer(ChannelHandlerContext ctx, Object message) {
        answering = true;
        if (message instanceof Oversized oversized) {
            HttpMessage head = oversized.head();
            // A client that awaits "100 Continue" never sends the body: the connection cannot be reused.
            boolean keepAlive = HttpUtil.isKeepAlive(head) && !HttpUtil.is100ContinueExpected(head);
            write(ctx, head.protocolVersion(), answerer.tooLarge(exchange((HttpRequest) head, new byte[0])),
                    keepAlive);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) message;
        try {
            HttpVersion version = request.protocolVersion();
            if (request.decoderResult().isFailure()) {
                // The stream may be out of step after this: answer, then close.
                write(ctx, version, answerer.malformed(exchange(request, new byte[0])), false);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpExchange.Request exchange = exchange(request, ByteBufUtil.getBytes(request.content()));
            answerer.answer(exchange, waits).thenAccept(response -> write(ctx, version, response, keepAlive));
        } finally {
            request.release();
        }
    }

    private HttpExchange.Request exchange(HttpRequest request, byte[] body) {
        HttpHeaders headers = request.headers(); // looked up ignoring case, values kept as parsed
        String uri = request.uri();
        int query = uri.indexOf('?');
        return new HttpExchange.Request(request.method().name(), query < 0 ? uri : uri.substring(0, query),
                query < 0 ? null : uri.substring(query + 1), headers::get, body, remoteAddress, secure);
    }

    /** Writes the answer (from any thread) and, on the event loop once it is written, answers the next request. */
    private void write(ChannelHandlerContext ctx, HttpVersion version, HttpExchange.Response answer,
                       boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(version,
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.body()));
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        answer.headers().forEach(headers::set);
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) written -> {
            if (!keepAlive || !written.isSuccess()) {
                ctx.close();
                return;
            }
            answering = false;
            Object next = waiting.poll();
            if (next != null) {
                answer(ctx, next);
            } else {
                ctx.channel().config().setAutoRead(true);
            }
        });
    }

    /** An idle connection (IdleStateHandler: nothing read for a while) closes unless a request is under way. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof io.netty.handler.timeout.IdleStateEvent) {
            if (!answering && waiting.isEmpty()) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset connection, mostly; nothing to answer on it any more.
        LOG.log(System.Logger.Level.DEBUG, "connection closed after an error", cause);
        ctx.close();
    }
}
