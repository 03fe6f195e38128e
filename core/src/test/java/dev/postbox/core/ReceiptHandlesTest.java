package dev.postbox.core;

import dev.postbox.core.store.QueueKey;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReceiptHandlesTest {
    private final ReceiptHandles handles = new ReceiptHandles("0123456789abcdef0123456789abcdef".getBytes());
    private final QueueKey queue = new QueueKey("us-east-1", "000000000000", "q");
    private final ReceiptHandles.Receipt receipt =
            new ReceiptHandles.Receipt(7, 42, 3, Instant.parse("2026-01-01T00:00:00.123Z"));

    @Test
    void roundTrips() {
        assertThat(handles.decode(queue, handles.encode(queue, receipt))).isEqualTo(receipt);
    }

    @Test
    void rejectsForeignForgedAndGarbageHandles() {
        String handle = handles.encode(queue, receipt);
        assertThatThrownBy(() -> handles.decode(new QueueKey("us-east-1", "000000000000", "other"), handle))
                .isInstanceOfSatisfying(SqsException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.RECEIPT_HANDLE_IS_INVALID));
        ReceiptHandles otherSecret = new ReceiptHandles(new byte[32]);
        assertThatThrownBy(() -> otherSecret.decode(queue, handle)).isInstanceOf(SqsException.class);
        char[] chars = handle.toCharArray();
        chars[5] = chars[5] == 'A' ? 'B' : 'A';
        assertThatThrownBy(() -> handles.decode(queue, new String(chars))).isInstanceOf(SqsException.class);
        assertThatThrownBy(() -> handles.decode(queue, "garbage")).hasMessage(
                "The input receipt handle \"garbage\" is not a valid receipt handle.");
        assertThatThrownBy(() -> handles.decode(queue, "%%%")).isInstanceOf(SqsException.class);
    }
}
