package dev.postbox.server;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw HTTP requests with odd methods, paths, header names and values (control characters, bad lengths, odd
 * encodings) and bodies, over a socket to a started server. Every one gets an HTTP answer below 500 that carries a
 * request id, in the protocol the request names, and the server keeps serving. The number of tries is jqwik's
 * default ({@code junit-platform.properties}); {@code scripts/fuzz.sh} runs more.
 */
class HttpFuzzTest {
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.[01] (\\d{3}) ");
    private static final Pattern LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)\\r$");
    private static PostboxServer server;

    record Header(String name, String value) {
    }

    @BeforeContainer
    static void start() {
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory")));
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    @Property
    void everyRawRequestGetsAnHttpAnswerWithARequestId(@ForAll("methods") String method, @ForAll("paths") String path,
                                                       @ForAll("headers") List<Header> headers,
                                                       @ForAll("bodies") String body,
                                                       @ForAll("lengths") String length) throws IOException {
        StringBuilder request = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        headers.forEach(h -> request.append(h.name()).append(": ").append(h.value()).append("\r\n"));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        request.append("Content-Length: ").append(length.isEmpty() ? String.valueOf(bytes.length) : length)
                .append("\r\nConnection: close\r\n\r\n");
        String response = exchange(request.toString().getBytes(StandardCharsets.UTF_8), bytes);
        Matcher status = STATUS.matcher(response);
        assertThat(status.find()).as(response).isTrue();
        assertThat(Integer.parseInt(status.group(1))).as(response).isLessThan(500);
        if (!path.equals("/health")) {
            assertThat(response.toLowerCase()).as(response).contains("x-amzn-requestid:");
        }
        String health = exchange(("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), new byte[0]);
        assertThat(health).as("still serving").startsWith("HTTP/1.1 200");
    }

    /** Sends the request and reads one final response (after any 100 Continue). */
    private static String exchange(byte[] head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head);
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            while (true) {
                String response = readOne(in);
                if (!response.startsWith("HTTP/1.1 100")) {
                    return response;
                }
            }
        }
    }

    private static String readOne(InputStream in) throws IOException {
        ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after: " + headBytes);
            }
            headBytes.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String head = headBytes.toString(StandardCharsets.ISO_8859_1);
        Matcher length = LENGTH.matcher(head);
        int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head + new String(in.readNBytes(bodyLength), StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("POST", "POST", "GET", "PUT", "DELETE", "OPTIONS", "PATCH", "FOO", "get");
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.oneOf(Arbitraries.of("/", "/", "/000000000000/q", "/health", "/%zz", "/a/b/c/d",
                        "/?Action=ListQueues", "/?Action=SendMessage&MessageBody=x", "/?%", "/?Action", "*",
                        "/000000000000/q?Action=ReceiveMessage&WaitTimeSeconds=0"),
                Arbitraries.strings().withChars("/?&=%.aA1").ofMaxLength(12).map(p -> "/" + p));
    }

    @Provide
    Arbitrary<List<Header>> headers() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of("X-Amz-Target", "Content-Type", "Accept",
                        "Authorization", "X-Amzn-Trace-Id", "Transfer-Encoding", "Expect", "Content-Encoding",
                        "X-Amz-Date", "Host"),
                Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(10));
        Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.of("AmazonSQS.ListQueues", "AmazonSQS.SendMessage",
                        "AmazonSQS.Nope", "application/x-amz-json-1.0", "application/x-www-form-urlencoded",
                        "application/json", "text/xml", "gzip", "identity", "100-continue",
                        "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, Signature=x",
                        "Root=1-5759e988-bd862e3fe1be46a994272793", ""),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30),
                Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(3)
                        .filter(v -> !v.contains("\r") && !v.contains("\n")).map(v -> "a" + v + "b"));
        return Combinators.combine(names, values).as(Header::new)
                .filter(h -> !h.name().contains(":") && !h.name().equalsIgnoreCase("Content-Length")
                        && !h.name().equalsIgnoreCase("Connection")
                        // A chunked body would need chunks; a declared encoding the server never gets to read.
                        && !(h.name().equalsIgnoreCase("Transfer-Encoding") && h.value().contains("chunked")))
                .list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.oneOf(Arbitraries.of("", "{}", "{\"QueueName\":\"fuzz\"}", "Action=ListQueues",
                        "Action=SendMessage&QueueUrl=q&MessageBody=x", "{", "[]", "null", "Action=%zz"),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Provide
    Arbitrary<String> lengths() {
        // Never longer than the body: the server would wait for the rest.
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just("")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("abc", "-1", "0", "1, 1", " 0", "0x1")));
    }
}
