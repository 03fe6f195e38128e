package dev.postbox.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one client can hold of the listener (PostboxConfig.Listener): the connections open at once, and how long a
 * request may take to arrive. Idle connections and pipelined requests are bounded by {@link ConnectionHandler}.
 */
final class ListenerLimits {
    private static final System.Logger LOG = System.getLogger(ListenerLimits.class.getName());
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    private ListenerLimits() {
    }

    /** Counts the open connections of the listener; one over the limit is closed as soon as it is accepted. */
    @ChannelHandler.Sharable
    static final class ConnectionLimit extends ChannelInboundHandlerAdapter {
        private final int max;
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

        ConnectionLimit(int max) {
            this.max = max;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (open.incrementAndGet() > max) {
                long now = System.nanoTime();
                long last = lastWarned.get();
                if (now - last >= WARN_EVERY_NANOS && lastWarned.compareAndSet(last, now)) {
                    LOG.log(System.Logger.Level.WARNING, "http.max-connections (" + max + ") reached: new"
                            + " connections are closed at once");
                }
                ctx.close();
                return;
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
            ctx.fireChannelInactive();
        }

        /** Connections open now (for tests). */
        int open() {
            return open.get();
        }
    }

    /**
     * A request must arrive whole within the timeout of its first byte, else its connection is closed. The clock
     * starts with the first bytes read while no request is under way and stops when {@link ConnectionHandler} has a
     * whole request ({@link #requestRead}). Nothing is scheduled per request: one check per connection is pending
     * while a request is under way, and it moves itself on to the current request's deadline. A timer scheduled and
     * cancelled per request, the first version, cost 27.8 µs of server CPU per raw-send request against 24.6 without
     * the limits in one round (within this machine's noise, but avoidable); this one measured 25.7-30.0 against
     * 25.9-29.2 over three rounds (docs/performance.md).
     * One per connection; touched on its event loop only.
     */
    static final class RequestReadTimeout extends ChannelInboundHandlerAdapter {
        private final long timeoutNanos;
        /** When the request under way began to arrive; 0: none under way. */
        private long startedNanos;
        private ScheduledFuture<?> check;

        RequestReadTimeout(Duration timeout) {
            this.timeoutNanos = timeout.toNanos();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (startedNanos == 0) {
                startedNanos = Math.max(1, System.nanoTime());
                if (check == null) {
                    check = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
                }
            }
            ctx.fireChannelRead(message);
        }

        private void check(ChannelHandlerContext ctx) {
            check = null;
            if (startedNanos == 0 || !ctx.channel().isActive()) {
                return;
            }
            long late = System.nanoTime() - startedNanos - timeoutNanos;
            if (late >= 0) {
                LOG.log(System.Logger.Level.DEBUG, "a request took longer than http.request-read-timeout-seconds"
                        + " to arrive; closing " + ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            check = ctx.executor().schedule(() -> check(ctx), -late, TimeUnit.NANOSECONDS);
        }

        /** The request under way has arrived whole. */
        void requestRead() {
            startedNanos = 0;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            startedNanos = 0;
            if (check != null) {
                check.cancel(false);
                check = null;
            }
            ctx.fireChannelInactive();
        }
    }
}
