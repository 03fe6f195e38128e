package dev.postbox.store.rocksdb.journal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.store.memory.engine.MessageState;
import dev.postbox.store.memory.engine.ReceiveAttempt;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Layouts on disk. Message keys sort by queue incarnation, then sequence (big-endian), so that one queue's messages
 * are one contiguous, ordered key range. Queue records and move tasks are JSON (small, rare, readable with any tool);
 * messages, index entries, deduplication keys and receive attempts are binary.
 */
public final class Codec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte NONE = 0;
    private static final byte PRESENT = 1;

    private Codec() {
    }

    /** A FIFO deduplication key's original message, and when the key expires. */
    public record DedupEntry(String messageId, String sequenceNumber, long expiresAtMillis) {
    }

    // ---- keys ----------------------------------------------------------------------------------------------------

    /** {@code region/account/name}. Data written before regions has keys {@code account/name}. */
    public static byte[] queueKey(QueueKey key) {
        return utf8(key.region() + "/" + key.accountId() + "/" + key.name());
    }

    /** The queue a key names; a key written before regions is taken to be in {@code olderDataRegion}. */
    public static QueueKey queueKey(byte[] key, String olderDataRegion) {
        String[] parts = new String(key, StandardCharsets.UTF_8).split("/", 3);
        return parts.length == 2 ? new QueueKey(olderDataRegion, parts[0], parts[1])
                : new QueueKey(parts[0], parts[1], parts[2]);
    }

    public static byte[] messageKey(long incarnation, long sequence) {
        return ByteBuffer.allocate(16).putLong(incarnation).putLong(sequence).array();
    }

    /** The sequence in a message or index key ({@link #messageKey}) a scan hands out as a buffer. */
    public static long sequenceOf(ByteBuffer messageKey) {
        return messageKey.getLong(messageKey.position() + 8);
    }

    public static byte[] prefix(long incarnation) {
        return ByteBuffer.allocate(8).putLong(incarnation).array();
    }

    /** The first key after every key of the incarnation (exclusive end of its range). */
    public static byte[] prefixEnd(long incarnation) {
        return incarnation == Long.MAX_VALUE ? new byte[]{(byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0}
                : prefix(incarnation + 1);
    }

    public static byte[] dedupKey(long incarnation, String key) {
        return concat(prefix(incarnation), utf8(key));
    }

    public static String dedupKeyText(byte[] key) {
        return new String(key, 8, key.length - 8, StandardCharsets.UTF_8);
    }

    /**
     * Keys of the store-wide state in the {@code default} family, each kind under a prefix of its own: when a queue
     * name was freed (name-reuse window), when a queue incarnation was last purged, receive attempts by queue
     * incarnation and attempt id, and message move tasks by id. Readers of format version 2 from before these
     * existed ignore them.
     */
    public static final class StateKeys {
        public static final byte[] TOMBSTONES = utf8("tombstone/");
        public static final byte[] PURGES = utf8("purged-at/");
        public static final byte[] ATTEMPTS = utf8("attempt/");
        public static final byte[] MOVE_TASKS = utf8("move-task/");

        private StateKeys() {
        }

        public static byte[] tombstone(QueueKey queue) {
            return concat(TOMBSTONES, queueKey(queue));
        }

        public static QueueKey tombstoneQueue(byte[] key, String olderDataRegion) {
            return queueKey(Arrays.copyOfRange(key, TOMBSTONES.length, key.length), olderDataRegion);
        }

        public static byte[] purge(long incarnation) {
            return concat(PURGES, prefix(incarnation));
        }

        /** Every attempt key of the incarnation starts with this. */
        public static byte[] attempts(long incarnation) {
            return concat(ATTEMPTS, prefix(incarnation));
        }

        /** The first key after every attempt of the incarnation. */
        public static byte[] attemptsEnd(long incarnation) {
            return concat(ATTEMPTS, prefixEnd(incarnation));
        }

        public static byte[] attempt(long incarnation, String attemptId) {
            return concat(attempts(incarnation), utf8(attemptId));
        }

        public static String attemptId(byte[] key) {
            int start = ATTEMPTS.length + 8;
            return new String(key, start, key.length - start, StandardCharsets.UTF_8);
        }

        public static byte[] moveTask(String taskId) {
            return concat(MOVE_TASKS, utf8(taskId));
        }
    }

    public static byte[] encodeMillis(Instant instant) {
        return ByteBuffer.allocate(8).putLong(instant.toEpochMilli()).array();
    }

    public static Instant decodeMillis(byte[] value) {
        return Instant.ofEpochMilli(ByteBuffer.wrap(value).getLong());
    }

    // ---- queues (JSON: small, rare, and readable with any tool) ------------------------------------------------

    /** {@code region} is null in records written before regions. */
    private record QueueJson(String region, String accountId, String name, long incarnation, boolean fifo,
                             Map<String, String> attributes, Map<String, String> tags, long createdAtMillis,
                             long lastModifiedAtMillis) {
    }

    public static byte[] encodeQueue(QueueRecord queue) {
        try {
            return JSON.writeValueAsBytes(new QueueJson(queue.key().region(), queue.key().accountId(), queue.key().name(),
                    queue.incarnation(), queue.fifo(), queue.attributes(), queue.tags(),
                    queue.createdAt().toEpochMilli(), queue.lastModifiedAt().toEpochMilli()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The queue record; one written before regions is taken to be in {@code olderDataRegion}. */
    public static QueueRecord decodeQueue(byte[] bytes, String olderDataRegion) {
        try {
            QueueJson q = JSON.readValue(bytes, new TypeReference<>() {
            });
            return new QueueRecord(new QueueKey(q.region() != null ? q.region() : olderDataRegion, q.accountId(),
                    q.name()), q.incarnation(), q.fifo(), q.attributes(),
                    q.tags(), Instant.ofEpochMilli(q.createdAtMillis()), Instant.ofEpochMilli(q.lastModifiedAtMillis()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Message payloads: dev.postbox.core.store.MessageDataCodec (the postgres store uses the same layout).

    // ---- message index -------------------------------------------------------------------------------------------

    /**
     * Index layout (a message's {@link MessageState} but its sequence, which is in the key): retainedFrom(8)
     * visibleAt(8) receiveCount(4) firstReceivedAt(8; -1 before the first receive), then the optional strings
     * groupId and sequenceNumber (each a presence byte, then length(2) and UTF-8). Fixed fields first, so that
     * recovery of millions of entries decodes straight from a buffer.
     */
    public static byte[] encodeIndex(MessageState e) {
        byte[][] strings = {utf8(e.groupId()), utf8(e.sequenceNumber())};
        int size = 28;
        for (byte[] string : strings) {
            size += 1 + (string == null ? 0 : 2 + string.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).putLong(e.retainedFrom().toEpochMilli())
                .putLong(e.visibleAt().toEpochMilli()).putInt(e.receiveCount())
                .putLong(e.firstReceivedAt() == null ? -1 : e.firstReceivedAt().toEpochMilli());
        for (byte[] string : strings) {
            if (string == null) {
                buffer.put(NONE);
            } else {
                buffer.put(PRESENT).putShort((short) string.length).put(string);
            }
        }
        return buffer.array();
    }

    public static MessageState decodeIndex(long sequence, ByteBuffer buffer) {
        long retainedFrom = buffer.getLong();
        long visibleAt = buffer.getLong();
        int receiveCount = buffer.getInt();
        long firstReceivedAt = buffer.getLong();
        String groupId = readShortString(buffer);
        String sequenceNumber = readShortString(buffer);
        return new MessageState(sequence, groupId, sequenceNumber, Instant.ofEpochMilli(retainedFrom),
                Instant.ofEpochMilli(visibleAt), receiveCount,
                firstReceivedAt < 0 ? null : Instant.ofEpochMilli(firstReceivedAt));
    }

    private static String readShortString(ByteBuffer buffer) {
        if (buffer.get() == NONE) {
            return null;
        }
        byte[] text = new byte[Short.toUnsignedInt(buffer.getShort())];
        buffer.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    // ---- receive attempts ----------------------------------------------------------------------------------------

    /** Attempt layout: receivedAt(8) expiresAt(8) count(4), then per message sequence(8) receiveCount(4). */
    public static byte[] encodeAttempt(ReceiveAttempt attempt) {
        ByteBuffer buffer = ByteBuffer.allocate(20 + 12 * attempt.receipts().size())
                .putLong(attempt.receivedAt().toEpochMilli()).putLong(attempt.expiresAt().toEpochMilli())
                .putInt(attempt.receipts().size());
        for (ReceiveAttempt.Receipt receipt : attempt.receipts()) {
            buffer.putLong(receipt.sequence()).putInt(receipt.receiveCount());
        }
        return buffer.array();
    }

    public static ReceiveAttempt decodeAttempt(String attemptId, byte[] value) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        Instant receivedAt = Instant.ofEpochMilli(buffer.getLong());
        Instant expiresAt = Instant.ofEpochMilli(buffer.getLong());
        List<ReceiveAttempt.Receipt> receipts = new ArrayList<>();
        for (int n = buffer.getInt(); n > 0; n--) {
            receipts.add(new ReceiveAttempt.Receipt(buffer.getLong(), buffer.getInt()));
        }
        return new ReceiveAttempt(attemptId, receipts, receivedAt, expiresAt);
    }

    // ---- move tasks (JSON) ---------------------------------------------------------------------------------------

    private record MoveTaskJson(String taskId, String sourceArn, String destinationArn,
                                Integer maxNumberOfMessagesPerSecond, long toMove, long moved, long startedAtMillis,
                                String status, String failureReason) {
    }

    public static byte[] encodeMoveTask(MoveTask task) {
        try {
            return JSON.writeValueAsBytes(new MoveTaskJson(task.taskId(), task.sourceArn(), task.destinationArn(),
                    task.maxNumberOfMessagesPerSecond(), task.toMove(), task.moved(),
                    task.startedAt().toEpochMilli(), task.status().name(), task.failureReason()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static MoveTask decodeMoveTask(byte[] bytes) {
        try {
            MoveTaskJson t = JSON.readValue(bytes, MoveTaskJson.class);
            return new MoveTask(t.taskId(), t.sourceArn(), t.destinationArn(), t.maxNumberOfMessagesPerSecond(),
                    t.toMove(), t.moved(), Instant.ofEpochMilli(t.startedAtMillis()),
                    MoveTask.Status.valueOf(t.status()), t.failureReason());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- deduplication keys --------------------------------------------------------------------------------------

    public static byte[] encodeDedup(DedupEntry e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(e.messageId());
            MessageDataCodec.writeNullable(out, e.sequenceNumber());
            out.writeLong(e.expiresAtMillis());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    public static DedupEntry decodeDedup(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new DedupEntry(in.readUTF(), MessageDataCodec.readNullable(in), in.readLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- primitives ----------------------------------------------------------------------------------------------

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
