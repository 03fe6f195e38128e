package dev.postbox.store.memory.engine;

import java.time.Instant;
import java.util.List;

/**
 * A FIFO receive remembered under its {@code ReceiveRequestAttemptId}: a retry before {@code expiresAt} gets the same
 * deliveries back while each message is still at the receive named here.
 */
public record ReceiveAttempt(String attemptId, List<Receipt> receipts, Instant receivedAt, Instant expiresAt) {
    public ReceiveAttempt {
        receipts = List.copyOf(receipts);
    }

    /** One message the receive handed out, named as a receipt handle names it. */
    public record Receipt(long sequence, int receiveCount) {
    }
}
