package dev.postbox.store.postgres;

import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.store.MessageData;

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
 * A message's payload ({@link MessageData}, which never changes once accepted) as one {@code bytea}: a version byte,
 * then the fields in order; strings as length and UTF-8 (bodies reach 1 MiB, beyond {@code writeUTF}), null as -1.
 */
final class PayloadCodec {
    private static final int VERSION = 1;

    private PayloadCodec() {
    }

    static byte[] encode(MessageData m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + m.body().length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeString(out, m.messageId());
            writeString(out, m.body());
            writeString(out, m.md5OfBody());
            writeAttributes(out, m.attributes());
            writeString(out, m.md5OfMessageAttributes());
            writeAttributes(out, m.systemAttributes());
            writeString(out, m.senderId());
            out.writeLong(m.sentAt().getEpochSecond());
            out.writeInt(m.sentAt().getNano());
            writeString(out, m.groupId());
            writeString(out, m.deduplicationId());
            writeString(out, m.deadLetterQueueSourceArn());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory does not fail", e);
        }
        return bytes.toByteArray();
    }

    static MessageData decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown payload version " + version);
            }
            return new MessageData(readString(in), readString(in), readString(in), readAttributes(in),
                    readString(in), readAttributes(in), readString(in),
                    Instant.ofEpochSecond(in.readLong(), in.readInt()), readString(in), readString(in),
                    readString(in));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored payload is damaged", e);
        }
    }

    private static void writeAttributes(DataOutputStream out, Map<String, MessageAttributeValue> attributes)
            throws IOException {
        out.writeInt(attributes.size());
        for (Map.Entry<String, MessageAttributeValue> entry : attributes.entrySet()) {
            MessageAttributeValue v = entry.getValue();
            writeString(out, entry.getKey());
            writeString(out, v.dataType());
            writeString(out, v.stringValue());
            writeBytes(out, v.binaryValue());
            out.writeInt(v.stringListValues().size());
            for (String s : v.stringListValues()) {
                writeString(out, s);
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
            String name = readString(in);
            String dataType = readString(in);
            String stringValue = readString(in);
            byte[] binaryValue = readBytes(in);
            int strings = in.readInt();
            List<String> stringList = new ArrayList<>(strings);
            for (int j = 0; j < strings; j++) {
                stringList.add(readString(in));
            }
            int binaries = in.readInt();
            List<byte[]> binaryList = new ArrayList<>(binaries);
            for (int j = 0; j < binaries; j++) {
                binaryList.add(readBytes(in));
            }
            attributes.put(name, new MessageAttributeValue(dataType, stringValue, binaryValue, stringList,
                    binaryList));
        }
        return attributes;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] bytes = readBytes(in);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        return length < 0 ? null : in.readNBytes(length);
    }
}
