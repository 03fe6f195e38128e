package dev.postbox.core;

import dev.postbox.core.store.QueueKey;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;

/**
 * Receipt handles: opaque, unforgeable, bound to one receive of one message of one queue incarnation.
 *
 * <p>Layout before base64url: version(1) incarnation(8) sequence(8) receiveCount(4) receivedAtMillis(8) mac(16),
 * where mac = HMAC-SHA256(secret, account | name | preceding bytes) truncated to 16 bytes. A handle from another
 * queue, another incarnation of the queue, or edited by hand fails the MAC check.
 */
public final class ReceiptHandles {
    private static final byte VERSION = 1;
    private static final int PAYLOAD = 1 + 8 + 8 + 4 + 8;
    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec secret;
    /** Initialised once; each use works on a clone (cheaper than a provider lookup and key setup per call). */
    private final Mac prototype;

    public ReceiptHandles(byte[] secret) {
        this.secret = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.prototype = newMac();
    }

    /** What a valid handle says. */
    public record Receipt(long incarnation, long sequence, int receiveCount, Instant receivedAt) {
    }

    public String encode(QueueKey queue, Receipt receipt) {
        ByteBuffer buffer = ByteBuffer.allocate(PAYLOAD + MAC_BYTES);
        buffer.put(VERSION).putLong(receipt.incarnation()).putLong(receipt.sequence())
                .putInt(receipt.receiveCount()).putLong(receipt.receivedAt().toEpochMilli());
        buffer.put(mac(queue, buffer.array()), 0, MAC_BYTES);
        return ENCODER.encodeToString(buffer.array());
    }

    /** Decodes a handle issued for {@code queue}; throws {@code ReceiptHandleIsInvalid} for anything else. */
    public Receipt decode(QueueKey queue, String handle) {
        byte[] bytes;
        try {
            bytes = DECODER.decode(handle);
        } catch (IllegalArgumentException e) {
            throw invalid(handle);
        }
        if (bytes.length != PAYLOAD + MAC_BYTES || bytes[0] != VERSION) {
            throw invalid(handle);
        }
        byte[] expected = mac(queue, bytes);
        byte[] actual = new byte[MAC_BYTES];
        System.arraycopy(bytes, PAYLOAD, actual, 0, MAC_BYTES);
        byte[] expectedPrefix = new byte[MAC_BYTES];
        System.arraycopy(expected, 0, expectedPrefix, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(expectedPrefix, actual)) {
            throw invalid(handle);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, PAYLOAD - 1);
        return new Receipt(buffer.getLong(), buffer.getLong(), buffer.getInt(), Instant.ofEpochMilli(buffer.getLong()));
    }

    public static SqsException invalid(String handle) {
        return new SqsException(ErrorCode.RECEIPT_HANDLE_IS_INVALID,
                "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
    }

    private byte[] mac(QueueKey queue, byte[] handleBytes) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            mac = newMac();
        }
        mac.update((queue.accountId() + "|" + queue.name() + "|").getBytes(StandardCharsets.UTF_8));
        mac.update(handleBytes, 0, PAYLOAD);
        return mac.doFinal();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK provides HmacSHA256", e);
        }
    }
}
