package dev.postbox.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one client can hold of the listener, each limit a key: connections, idle connections, a request that arrives
 * a byte at a time, requests pipelined behind a long poll, the size of the headers. The limits here are small
 * (seconds) so that the tests see them act; they wait on the real clock, as Netty's timers do.
 */
class ListenerLimitsTest {
    private static PostboxServer server;

    @BeforeAll
    static void start() {
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory", PostboxConfig.HTTP_MAX_CONNECTIONS, "3",
                PostboxConfig.HTTP_IDLE_TIMEOUT_SECONDS, "2", PostboxConfig.HTTP_REQUEST_READ_TIMEOUT_SECONDS, "1",
                PostboxConfig.HTTP_MAX_PIPELINED_REQUESTS, "2", PostboxConfig.HTTP_MAX_HEADER_BYTES, "8192")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String request(String operation, String body) {
        return "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nX-Amz-Target: AmazonSQS." + operation
                + "\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: " + body.length() + "\r\n\r\n"
                + body;
    }

    private static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** Reads until the server closes the connection (true), or nothing more comes for the socket's timeout. */
    private static boolean closedByServer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // the rest of a response
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static String statusLine(Socket socket) throws IOException {
        StringBuilder line = new StringBuilder();
        InputStream in = socket.getInputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString().trim();
    }

    /**
     * The limit is 3 connections: each test starts once the earlier tests' connections, closed by them, are seen
     * closed by the server (else a new one may be over the limit and closed at once).
     */
    @BeforeEach
    void earlierConnectionsAreSeenClosed() throws InterruptedException {
        long settle = System.nanoTime() + 5_000_000_000L;
        while (server.openConnections() > 0 && System.nanoTime() < settle) {
            Thread.sleep(20);
        }
    }

    @Test
    void aConnectionOverTheLimitIsClosedAndTheLimitFreesAsConnectionsClose() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket socket = connect();
                write(socket, request("ListQueues", "{}"));
                assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 200 OK");
                held.add(socket);
            }
            try (Socket fourth = connect()) {
                assertThat(closedByServer(fourth)).as("the fourth connection is closed at once").isTrue();
            }
            held.remove(0).close();
            long settle = System.nanoTime() + 5_000_000_000L;
            while (server.openConnections() > 2 && System.nanoTime() < settle) {
                Thread.sleep(20); // the server sees the close
            }
            try (Socket again = connect()) {
                write(again, request("ListQueues", "{}"));
                assertThat(statusLine(again)).isEqualTo("HTTP/1.1 200 OK");
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void anIdleConnectionIsClosedButALongPollIsNotIdle() throws Exception {
        try (Socket socket = connect()) {
            long start = System.nanoTime(); // the idle clock starts at the last byte read: the request's
            write(socket, request("CreateQueue", "{\"QueueName\":\"limits\"}"));
            assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(closedByServer(socket)).as("closed after the idle timeout").isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1_900L, 9_000L);
        }
        try (Socket socket = connect()) {
            String queueUrl = "http://127.0.0.1:" + server.port() + "/000000000000/limits";
            write(socket, request("CreateQueue", "{\"QueueName\":\"limits\"}"));
            assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 200 OK");
            try (Socket poller = connect()) {
                write(poller, request("ReceiveMessage", "{\"QueueUrl\":\"" + queueUrl + "\",\"WaitTimeSeconds\":4}"));
                assertThat(statusLine(poller)).as("a 4 s long poll outlives a 2 s idle timeout")
                        .isEqualTo("HTTP/1.1 200 OK");
            }
        }
    }

    @Test
    void aRequestThatArrivesAByteAtATimeIsCutOff() throws Exception {
        try (Socket socket = connect()) {
            long start = System.nanoTime();
            String slow = request("ListQueues", "{}");
            boolean closed = false;
            for (int i = 0; i < slow.length() && !closed; i++) {
                try {
                    write(socket, slow.substring(i, i + 1));
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                Thread.sleep(300); // more often than the idle timeout: only the read timeout can end this
                if ((System.nanoTime() - start) / 1_000_000 > 5_000) {
                    break;
                }
            }
            socket.setSoTimeout(3_000);
            assertThat(closed || closedByServer(socket)).as("closed before the request arrived whole").isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(9_000L);
        }
    }

    @Test
    void requestsPipelinedBeyondTheLimitCloseTheConnection() throws Exception {
        try (Socket socket = connect()) {
            write(socket, request("CreateQueue", "{\"QueueName\":\"pipelines\"}"));
            assertThat(statusLine(socket)).isEqualTo("HTTP/1.1 200 OK");
        }
        try (Socket socket = connect()) {
            String poll = request("ReceiveMessage", "{\"QueueUrl\":\"http://127.0.0.1:" + server.port()
                    + "/000000000000/pipelines\",\"WaitTimeSeconds\":5}");
            long start = System.nanoTime();
            write(socket, poll + request("ListQueues", "{}").repeat(5));
            socket.setSoTimeout(4_000);
            assertThat(closedByServer(socket)).as("closed while the long poll still waits").isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4_000L);
        }
    }

    @Test
    void headersLargerThanTheLimitAreRefused() throws Exception {
        try (Socket socket = connect()) {
            write(socket, request("ListQueues", "{}").replace("\r\n\r\n", "\r\nX-Padding: " + "p".repeat(9000)
                    + "\r\n\r\n"));
            assertThat(statusLine(socket)).startsWith("HTTP/1.1 400");
        }
    }
}
