package dev.postbox.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loop against a small HTTP peer that answers in pieces, as a server's writes may reach a client. */
class RawSendLoopTest {
    private static final String REQUEST_BODY = "{\"QueueUrl\":\"q\",\"MessageBody\":\"m\"}";

    @Test
    void completesResponsesThatArriveInPiecesAndKeepsEveryConnectionBusy() throws Exception {
        String body = "{\"MessageId\":\"" + "x".repeat(3000) + "\"}";
        byte[] response = ("HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: "
                + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
        try (Peer peer = new Peer(response, 3)) {
            AtomicInteger responses = new AtomicInteger();
            URI endpoint = peer.endpoint();
            try (RawSendLoop loop = new RawSendLoop(endpoint, request(endpoint), 3, latency -> {
                assertThat(latency).isPositive();
                responses.incrementAndGet();
            })) {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (responses.get() < 60 && System.nanoTime() < deadline) {
                    loop.poll();
                }
            }
            assertThat(responses.get()).isGreaterThanOrEqualTo(60);
            assertThat(java.util.Arrays.stream(peer.requestsPerConnection()).min().orElseThrow()).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void aStatusOtherThan200FailsTheLoopWithTheServersAnswer() throws Exception {
        String body = "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\"}";
        byte[] response = ("HTTP/1.1 400 Bad Request\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
        try (Peer peer = new Peer(response, 1);
             RawSendLoop loop = new RawSendLoop(peer.endpoint(), request(peer.endpoint()), 1, latency -> { })) {
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    loop.poll();
                }
            }).hasMessageContaining("HTTP/1.1 400 Bad Request").hasMessageContaining("QueueDoesNotExist");
        }
    }

    private static byte[] request(URI endpoint) {
        return RawHttpConnection.sqsJson(endpoint, "SendMessage", REQUEST_BODY);
    }

    /** Answers every request on each of its connections with the same response, written in three pieces. */
    private static final class Peer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final AtomicInteger[] requests;
        private final Thread[] threads;

        Peer(byte[] response, int connections) throws IOException {
            requests = new AtomicInteger[connections];
            threads = new Thread[connections];
            for (int i = 0; i < connections; i++) {
                AtomicInteger count = requests[i] = new AtomicInteger();
                threads[i] = Thread.ofVirtual().start(() -> serve(response, count));
            }
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        int[] requestsPerConnection() {
            int[] counts = new int[requests.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = requests[i].get();
            }
            return counts;
        }

        private void serve(byte[] response, AtomicInteger count) {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                socket.setTcpNoDelay(true);
                int requestLength = request(endpoint()).length;
                while (in.readNBytes(requestLength).length == requestLength) {
                    count.incrementAndGet();
                    int[] cuts = {0, 20, response.length - 10, response.length}; // in the head, then in the body
                    for (int c = 0; c < 3; c++) {
                        out.write(response, cuts[c], cuts[c + 1] - cuts[c]);
                        out.flush();
                        Thread.sleep(1);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the loop closed its connection: the test is over
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Thread thread : threads) {
                thread.interrupt();
            }
        }
    }
}
