package dev.postbox.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * Raw-send's client: one thread keeps N keep-alive connections busy through one selector, each with one pre-built
 * request in flight at a time (as N blocking clients would). A blocking {@link RawHttpConnection} per virtual thread
 * cost ~20 µs of client CPU per request here (a park and an unpark per response, through the JDK's poller thread),
 * CPU that the server does not get on 2 shared cores; here a response costs one read and the next request one write.
 * Understands what {@link RawHttpConnection} does: a status line, headers with Content-Length, a body.
 */
final class RawSendLoop implements AutoCloseable {
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private final Selector selector;
    private final byte[] request;
    private final LongConsumer onResponse;
    /** Null: any body is accepted. */
    private final Predicate<String> bodyAccepted;
    private final List<SocketChannel> channels = new ArrayList<>();

    /**
     * @param onResponse called with each response's latency in nanoseconds (request written to response read), on
     *                   this loop's thread; any status but 200 fails the loop instead
     */
    RawSendLoop(URI endpoint, byte[] request, int connections, LongConsumer onResponse) throws IOException {
        this(endpoint, request, connections, null, onResponse);
    }

    /**
     * @param bodyAccepted whether a 200 response's body is a success (a batch's may name failed entries); one that
     *                     is not fails the loop. Null: any body is; bodies are then not decoded at all.
     */
    RawSendLoop(URI endpoint, byte[] request, int connections, Predicate<String> bodyAccepted,
                LongConsumer onResponse) throws IOException {
        this.selector = Selector.open();
        this.request = request;
        this.onResponse = onResponse;
        this.bodyAccepted = bodyAccepted;
        try {
            for (int i = 0; i < connections; i++) {
                SocketChannel channel = SocketChannel.open(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()));
                channels.add(channel);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                Connection connection = new Connection(channel);
                connection.send(channel.register(selector, 0, connection));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** Waits up to 100 ms for connections that are ready; completes their responses and sends their next requests. */
    void poll() throws IOException {
        try {
            selector.select(key -> {
                try {
                    ((Connection) key.attachment()).ready(key);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, 100);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private final class Connection {
        private final SocketChannel channel;
        private final ByteBuffer out = ByteBuffer.wrap(request);
        private final ByteBuffer in = ByteBuffer.allocate(16384);
        private long sentAt;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void send(SelectionKey key) throws IOException {
            out.clear();
            sentAt = System.nanoTime();
            flush(key);
        }

        void ready(SelectionKey key) throws IOException {
            if (key.isWritable()) {
                flush(key);
            } else if (key.isReadable()) {
                read(key);
            }
        }

        /** Writes what the socket takes; the rest waits for it to be writable. Reads only once all is written. */
        private void flush(SelectionKey key) throws IOException {
            channel.write(out);
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        private void read(SelectionKey key) throws IOException {
            if (channel.read(in) < 0) {
                throw new IOException("connection closed by the server");
            }
            byte[] bytes = in.array();
            int headerEnd = indexOf(bytes, in.position(), HEADER_END);
            if (headerEnd < 0) {
                if (!in.hasRemaining()) {
                    throw new IOException("response head longer than " + in.capacity() + " bytes");
                }
                return; // the rest of the head is still on its way
            }
            int bodyStart = headerEnd + HEADER_END.length;
            String head = new String(bytes, 0, headerEnd, StandardCharsets.US_ASCII);
            long end = bodyStart + contentLength(head);
            if (end > in.capacity()) {
                throw new IOException("response longer than " + in.capacity() + " bytes: " + head);
            }
            if (in.position() < end) {
                return; // the rest of the body is still on its way
            }
            if (in.position() > end) {
                throw new IOException("bytes after the response, which no request asked for");
            }
            if (!head.startsWith("HTTP/1.1 200 ")) {
                throw new IllegalStateException(head.lines().findFirst().orElse("") + ": "
                        + new String(bytes, bodyStart, in.position() - bodyStart, StandardCharsets.UTF_8));
            }
            long latency = System.nanoTime() - sentAt;
            if (bodyAccepted != null) {
                String body = new String(bytes, bodyStart, in.position() - bodyStart, StandardCharsets.UTF_8);
                if (!bodyAccepted.test(body)) {
                    throw new IllegalStateException("not accepted: " + body);
                }
            }
            onResponse.accept(latency);
            in.clear();
            send(key);
        }
    }

    private static long contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Long.parseLong(line.substring(15).trim());
            }
        }
        throw new IOException("response without Content-Length: " + head);
    }

    /** Where {@code pattern} starts in {@code bytes[0, length)}, or -1. */
    private static int indexOf(byte[] bytes, int length, byte[] pattern) {
        outer:
        for (int i = 0; i <= length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel channel : channels) {
            channel.close();
        }
        selector.close();
    }
}
