package dev.postbox.core.store;

import dev.postbox.core.api.MessageAttributeValue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A message's payload ({@link MessageData}, which never changes once accepted) as bytes, for stores that keep it
 * outside the JVM: the RocksDB store's {@code messages} family (format version 2, decision 0007) and the postgres
 * store's {@code payload} column use this one layout. Strings as length and UTF-8 (bodies reach 1 MiB, beyond
 * {@code writeUTF}); optional values behind a presence byte; the send time in milliseconds (what SQS reports).
 */
public final class MessageDataCodec {
    private static final byte NONE = 0;
    private static final byte PRESENT = 1;

    private MessageDataCodec() {
    }

    public static byte[] encode(MessageData m) {
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

    public static MessageData decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new MessageData(in.readUTF(), readLongString(in), in.readUTF(), readAttributes(in),
                    readNullable(in), readAttributes(in), readNullable(in), Instant.ofEpochMilli(in.readLong()),
                    readNullable(in), readNullable(in), readNullable(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        out.writeUTF(value);
    }

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

    /** A string or null, in this layout's way (a presence byte, then the UTF-8 bytes): for stores' own records. */
    public static void writeNullable(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeByte(NONE);
        } else {
            out.writeByte(PRESENT);
            writeLongString(out, value);
        }
    }

    /** Reads what {@link #writeNullable} wrote. */
    public static String readNullable(DataInputStream in) throws IOException {
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
