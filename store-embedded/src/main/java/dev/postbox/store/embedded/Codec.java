package dev.postbox.store.embedded;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary layouts on disk (format version 1). Keys sort by queue incarnation, then sequence (big-endian), so that one
 * queue's messages are one contiguous, ordered key range.
 */
final class Codec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte NONE = 0;
    private static final byte PRESENT = 1;

    private Codec() {
    }

    /** What recovery needs of a message, kept apart from the payload so that a restart reads little. */
    record IndexEntry(String groupId, String sequenceNumber, long retainedFromMillis,
                      long visibleAtMillis, int receiveCount, long firstReceivedAtMillis) {
        Instant retainedFrom() {
            return Instant.ofEpochMilli(retainedFromMillis);
        }

        Instant visibleAt() {
            return Instant.ofEpochMilli(visibleAtMillis);
        }

        Instant firstReceivedAt() {
            return firstReceivedAtMillis < 0 ? null : Instant.ofEpochMilli(firstReceivedAtMillis);
        }
    }

    record DedupEntry(String messageId, String sequenceNumber, long expiresAtMillis) {
    }

    static byte[] queueKey(QueueKey key) {
        return (key.accountId() + "/" + key.name()).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] messageKey(long incarnation, long sequence) {
        return ByteBuffer.allocate(16).putLong(incarnation).putLong(sequence).array();
    }

    static byte[] prefix(long incarnation) {
        return ByteBuffer.allocate(8).putLong(incarnation).array();
    }

    /** The first key after every key of the incarnation (exclusive end of its range). */
    static byte[] prefixEnd(long incarnation) {
        return incarnation == Long.MAX_VALUE ? new byte[]{(byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0}
                : prefix(incarnation + 1);
    }

    static byte[] dedupKey(long incarnation, String key) {
        byte[] text = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + text.length).putLong(incarnation).put(text).array();
    }

    static String dedupKeyText(byte[] key) {
        return new String(key, 8, key.length - 8, StandardCharsets.UTF_8);
    }

    // ---- queues (JSON: small, rare, and readable with any tool) ------------------------------------------------

    private record QueueJson(String accountId, String name, long incarnation, boolean fifo,
                             Map<String, String> attributes, Map<String, String> tags, long createdAtMillis,
                             long lastModifiedAtMillis) {
    }

    static byte[] encodeQueue(QueueRecord queue) {
        try {
            return JSON.writeValueAsBytes(new QueueJson(queue.key().accountId(), queue.key().name(),
                    queue.incarnation(), queue.fifo(), queue.attributes(), queue.tags(),
                    queue.createdAt().toEpochMilli(), queue.lastModifiedAt().toEpochMilli()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static QueueRecord decodeQueue(byte[] bytes) {
        try {
            QueueJson q = JSON.readValue(bytes, new TypeReference<>() {
            });
            return new QueueRecord(new QueueKey(q.accountId(), q.name()), q.incarnation(), q.fifo(), q.attributes(),
                    q.tags(), Instant.ofEpochMilli(q.createdAtMillis()), Instant.ofEpochMilli(q.lastModifiedAtMillis()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- messages ------------------------------------------------------------------------------------------------

    static byte[] encodeMessage(MessageData m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(m.body().length() + 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, m.messageId());
            writeLongString(out, m.body());
            writeString(out, m.md5OfBody());
            writeAttributes(out, m.attributes());
            writeNullable(out, m.md5OfMessageAttributes());
            writeAttributes(out, m.systemAttributes());
            writeNullable(out, m.senderId());
            out.writeLong(m.sentAt().toEpochMilli());
            writeNullable(out, m.groupId());
            writeNullable(out, m.deduplicationId());
            writeNullable(out, m.deadLetterQueueSourceArn());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static MessageData decodeMessage(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new MessageData(in.readUTF(), readLongString(in), in.readUTF(), readAttributes(in),
                    readNullable(in), readAttributes(in), readNullable(in), Instant.ofEpochMilli(in.readLong()),
                    readNullable(in), readNullable(in), readNullable(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Index layout: retainedFrom(8) visibleAt(8) receiveCount(4) firstReceivedAt(8), then the optional strings
     * groupId and sequenceNumber (each a presence byte, then length(2) and UTF-8). Fixed fields first, so that
     * recovery of millions of entries decodes straight from a buffer.
     */
    static byte[] encodeIndex(IndexEntry e) {
        byte[][] strings = {utf8(e.groupId()), utf8(e.sequenceNumber())};
        int size = 28;
        for (byte[] string : strings) {
            size += 1 + (string == null ? 0 : 2 + string.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(size).putLong(e.retainedFromMillis()).putLong(e.visibleAtMillis())
                .putInt(e.receiveCount()).putLong(e.firstReceivedAtMillis());
        for (byte[] string : strings) {
            if (string == null) {
                buffer.put(NONE);
            } else {
                buffer.put(PRESENT).putShort((short) string.length).put(string);
            }
        }
        return buffer.array();
    }

    static IndexEntry decodeIndex(ByteBuffer buffer) {
        long retainedFrom = buffer.getLong();
        long visibleAt = buffer.getLong();
        int receiveCount = buffer.getInt();
        long firstReceivedAt = buffer.getLong();
        String groupId = readShortString(buffer);
        String sequenceNumber = readShortString(buffer);
        return new IndexEntry(groupId, sequenceNumber, retainedFrom, visibleAt, receiveCount, firstReceivedAt);
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String readShortString(ByteBuffer buffer) {
        if (buffer.get() == NONE) {
            return null;
        }
        byte[] text = new byte[Short.toUnsignedInt(buffer.getShort())];
        buffer.get(text);
        return new String(text, StandardCharsets.UTF_8);
    }

    static byte[] encodeDedup(DedupEntry e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, e.messageId());
            writeNullable(out, e.sequenceNumber());
            out.writeLong(e.expiresAtMillis());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    static DedupEntry decodeDedup(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new DedupEntry(in.readUTF(), readNullable(in), in.readLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- primitives ----------------------------------------------------------------------------------------------

    private static void writeString(DataOutputStream out, String value) throws IOException {
        out.writeUTF(value);
    }

    /** writeUTF is limited to 64 KiB; bodies and attribute values are not. */
    private static void writeLongString(DataOutputStream out, String value) throws IOException {
        writeBytes(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String readLongString(DataInputStream in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        return value;
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeByte(NONE);
        } else {
            out.writeByte(PRESENT);
            writeLongString(out, value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readByte() == NONE ? null : readLongString(in);
    }

    private static void writeAttributes(DataOutputStream out, Map<String, MessageAttributeValue> attributes)
            throws IOException {
        out.writeInt(attributes.size());
        for (Map.Entry<String, MessageAttributeValue> entry : attributes.entrySet()) {
            MessageAttributeValue v = entry.getValue();
            writeLongString(out, entry.getKey());
            writeNullable(out, v.dataType());
            writeNullable(out, v.stringValue());
            if (v.binaryValue() == null) {
                out.writeByte(NONE);
            } else {
                out.writeByte(PRESENT);
                writeBytes(out, v.binaryValue());
            }
            out.writeInt(v.stringListValues().size());
            for (String s : v.stringListValues()) {
                writeLongString(out, s);
            }
            out.writeInt(v.binaryListValues().size());
            for (byte[] b : v.binaryListValues()) {
                writeBytes(out, b);
            }
        }
    }

    private static Map<String, MessageAttributeValue> readAttributes(DataInputStream in) throws IOException {
        int count = in.readInt();
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = readLongString(in);
            String dataType = readNullable(in);
            String stringValue = readNullable(in);
            byte[] binary = in.readByte() == NONE ? null : readBytes(in);
            List<String> strings = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) {
                strings.add(readLongString(in));
            }
            List<byte[]> binaries = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) {
                binaries.add(readBytes(in));
            }
            attributes.put(name, new MessageAttributeValue(dataType, stringValue, binary, strings, binaries));
        }
        return attributes;
    }
}
