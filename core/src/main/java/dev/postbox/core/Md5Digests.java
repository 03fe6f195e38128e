package dev.postbox.core;

import dev.postbox.core.api.MessageAttributeValue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The MD5 digests that SDKs verify (sqs-reference.md §4.7): lower-case hex; attribute digests over names in
 * {@code String.compareTo} order, each field prefixed with its 4-byte big-endian length, the value prefixed with a
 * transport byte chosen by which value field is set.
 */
public final class Md5Digests {
    private static final HexFormat HEX = HexFormat.of();

    private Md5Digests() {
    }

    public static String ofBody(String body) {
        return HEX.formatHex(md5().digest(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** Digest of message (or system) attributes; null for none, as AWS then omits the digest. */
    public static String ofAttributes(Map<String, MessageAttributeValue> attributes) {
        if (attributes == null || attributes.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        for (Map.Entry<String, MessageAttributeValue> entry : new TreeMap<>(attributes).entrySet()) {
            MessageAttributeValue value = entry.getValue();
            writeString(buffer, entry.getKey());
            writeString(buffer, value.dataType());
            if (value.stringValue() != null) {
                buffer.write(1);
                writeString(buffer, value.stringValue());
            } else if (value.binaryValue() != null) {
                buffer.write(2);
                writeBytes(buffer, value.binaryValue());
            } else if (!value.stringListValues().isEmpty()) {
                buffer.write(3);
                value.stringListValues().forEach(s -> writeString(buffer, s));
            } else if (!value.binaryListValues().isEmpty()) {
                buffer.write(4);
                value.binaryListValues().forEach(b -> writeBytes(buffer, b));
            }
        }
        return HEX.formatHex(md5().digest(buffer.toByteArray()));
    }

    private static void writeString(ByteArrayOutputStream buffer, String value) {
        writeBytes(buffer, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBytes(ByteArrayOutputStream buffer, byte[] bytes) {
        int n = bytes.length;
        buffer.write(n >>> 24);
        buffer.write(n >>> 16);
        buffer.write(n >>> 8);
        buffer.write(n);
        buffer.writeBytes(bytes);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides MD5", e);
        }
    }
}
