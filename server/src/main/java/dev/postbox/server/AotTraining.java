package dev.postbox.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run behind {@code ./postbox}'s start-up cache (JDK 25's AOT cache, JEPs 483/514/515): starts Postbox
 * through {@link Main}'s flag parsing as the launcher does (durable storage, in a temporary directory), drives the common
 * operations of both protocols over plain HTTP for a few hundred rounds, then exits, at which point the JVM writes
 * the classes it loaded and linked, and the method profiles it gathered, into the cache. The next start maps them
 * instead of loading, verifying and profiling again.
 *
 * <p>Run as {@code java -XX:AOTCacheOutput=FILE -cp postbox-server.jar dev.postbox.server.AotTraining}; it is not
 * a test and asserts nothing beyond "every request was answered".
 */
public final class AotTraining {
    private static final int ROUNDS = 200;

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = Files.createTempDirectory("postbox-aot-training");
        Path config = dataDir.resolve("training.properties");
        Files.writeString(config, "storage.fsync=interval\n"); // the run trains code paths, not the disk
        Main main = new Main(System.out, Main.parse("--host", "127.0.0.1", "--port", "0", "--data-dir",
                dataDir.resolve("data").toString(), "--config", config.toString()));
        int status = 1;
        try (PostboxServer server = main.start()) {
            train(server.port());
            status = 0;
        } finally {
            deleteRecursively(dataDir);
        }
        System.exit(status); // the JVM writes the cache as it exits
    }

    private static void train(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            train(socket, port);
        }
    }

    private static void train(Socket socket, int port) throws IOException {
        String base = "http://127.0.0.1:" + port + "/000000000000/";
        json(socket, "CreateQueue", "{\"QueueName\":\"training\"}");
        json(socket, "CreateQueue", "{\"QueueName\":\"training.fifo\",\"Attributes\":{\"FifoQueue\":\"true\","
                + "\"ContentBasedDeduplication\":\"true\"}}");
        String queue = "\"QueueUrl\":\"" + base + "training\"";
        String fifo = "\"QueueUrl\":\"" + base + "training.fifo\"";
        for (int i = 0; i < ROUNDS; i++) {
            json(socket, "SendMessage", "{" + queue + ",\"MessageBody\":\"hello " + i + "\",\"MessageAttributes\":"
                    + "{\"kind\":{\"DataType\":\"String\",\"StringValue\":\"training\"}}}");
            json(socket, "SendMessageBatch", "{" + queue + ",\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"x\"},"
                    + "{\"Id\":\"b\",\"MessageBody\":\"y\"}]}");
            json(socket, "SendMessage", "{" + fifo + ",\"MessageBody\":\"f " + i + "\",\"MessageGroupId\":\"g\"}");
            json(socket, "ReceiveMessage", "{" + queue + ",\"MaxNumberOfMessages\":10,\"MessageAttributeNames\":"
                    + "[\"All\"],\"MessageSystemAttributeNames\":[\"All\"]}");
            json(socket, "ReceiveMessage", "{" + fifo + ",\"MaxNumberOfMessages\":10}");
            json(socket, "DeleteMessage", "{" + queue + ",\"ReceiptHandle\":\"not-a-handle\"}"); // an error answer
            json(socket, "GetQueueAttributes", "{" + queue + ",\"AttributeNames\":[\"All\"]}");
            query(socket, "Action=SendMessage&QueueUrl=" + base + "training&MessageBody=query+" + i);
            query(socket, "Action=ReceiveMessage&QueueUrl=" + base + "training&MaxNumberOfMessages=10");
        }
        json(socket, "ListQueues", "{}");
        json(socket, "PurgeQueue", "{" + queue + "}");
    }

    private static void json(Socket socket, String operation, String body) throws IOException {
        exchange(socket, "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS." + operation + "\r\n",
                body);
    }

    private static void query(Socket socket, String form) throws IOException {
        exchange(socket, "Content-Type: application/x-www-form-urlencoded\r\n", form);
    }

    /** One request on the kept-alive connection; reads the answer's head and its Content-Length bytes. */
    private static void exchange(Socket socket, String headers, String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort() + "\r\n" + headers
                + "Content-Length: " + content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(head, head.length + content.length);
        System.arraycopy(content, 0, request, head.length, content.length);
        OutputStream out = socket.getOutputStream();
        out.write(request); // one segment: with Nagle's algorithm a second small write would wait for an ACK
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder answer = new StringBuilder();
        while (!answer.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before the answer to " + body);
            }
            answer.append((char) b);
        }
        int length = 0;
        for (String line : answer.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        if (in.readNBytes(length).length != length) {
            throw new IOException("short answer to " + body);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
