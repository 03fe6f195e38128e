package dev.postbox.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One keep-alive HTTP/1.1 connection that writes pre-built requests and reads each response to its end. It is the
 * load generator's light client for the raw drains, the raw idle pollers and the warm-up (raw-send has its own,
 * {@link RawSendLoop}): on a 2-core machine the client shares the CPU with the server, and a general HTTP client (the
 * JDK's costs ~300 µs of CPU per request here) would hide the server's ceiling. Understands exactly what a server
 * answering an SQS request sends: a status line, headers with Content-Length, a body.
 */
final class RawHttpConnection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] line = new byte[8192];

    RawHttpConnection(URI endpoint) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        // A server that cannot take the connection (ElasticMQ with 10,000 pollers) fails it in seconds, not after the
        // kernel's two minutes of SYN retries.
        socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16384);
    }

    /** An SQS request in the AWS JSON 1.0 protocol. */
    static byte[] sqsJson(URI endpoint, String action, String json) {
        return post(endpoint, json, "Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS." + action);
    }

    /** A complete POST request to {@code /} with the given headers and body, ready to be written many times. */
    static byte[] post(URI endpoint, String body, String... headerLines) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST / HTTP/1.1\r\nHost: ").append(endpoint.getHost()).append(':')
                .append(endpoint.getPort()).append("\r\nContent-Length: ").append(content.length).append("\r\n");
        for (String header : headerLines) {
            head.append(header).append("\r\n");
        }
        byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + content.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(content, 0, request, headBytes.length, content.length);
        return request;
    }

    record Response(int status, byte[] body) {
        /** The body of a 200 response; any other status fails the run. */
        byte[] okBody() {
            if (status != 200) {
                throw new IllegalStateException("status " + status + ": "
                        + new String(body, StandardCharsets.UTF_8));
            }
            return body;
        }
    }

    /** Writes the request and returns the whole response. */
    Response call(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ")) {
            throw new IOException("not an HTTP/1.1 response: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        for (String header = readLine(); !header.isEmpty(); header = readLine()) {
            if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                contentLength = Long.parseLong(header.substring(15).trim());
            }
        }
        if (contentLength < 0) {
            throw new IOException("response without Content-Length");
        }
        return new Response(status, in.readNBytes(Math.toIntExact(contentLength)));
    }

    private String readLine() throws IOException {
        int length = 0;
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed by the server");
            }
            if (length == line.length) {
                throw new IOException("response header line longer than " + line.length + " bytes");
            }
            line[length++] = (byte) b;
        }
        return new String(line, 0, length > 0 && line[length - 1] == '\r' ? length - 1 : length,
                StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
