package dev.postbox.store.postgres;

import dev.postbox.core.Limits;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.QueueStore.Receive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.postbox.store.postgres.Rows.instant;
import static dev.postbox.store.postgres.Rows.micros;
import static dev.postbox.store.postgres.Rows.update;

/**
 * FIFO's {@code ReceiveRequestAttemptId}: a receive remembers what it handed out (as "sequence:receiveCount" in
 * delivery order, for the deduplication interval); a repeat of the attempt gets the same messages again while each
 * is still at that receive.
 */
final class ReceiveAttempts {
    private ReceiveAttempts() {
    }

    /** A repeated FIFO receive: the remembered deliveries again if each is still at that receive, else null. */
    static List<Delivery> repeat(Connection c, long incarnation, Receive receive, Instant now)
            throws SQLException {
        String receipts;
        long receivedAt;
        try (PreparedStatement find = c.prepareStatement("SELECT receipts, received_at FROM postbox_receive_attempt"
                + " WHERE incarnation = ? AND attempt_id = ? AND expires_at > ?")) {
            find.setLong(1, incarnation);
            find.setString(2, receive.attemptId());
            find.setLong(3, micros(now));
            try (ResultSet rs = find.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                receipts = rs.getString(1);
                receivedAt = rs.getLong(2);
            }
        }
        List<Delivery> deliveries = new ArrayList<>();
        for (String receipt : receipts.split(",")) {
            long sequence = Long.parseLong(receipt.substring(0, receipt.indexOf(':')));
            int count = Integer.parseInt(receipt.substring(receipt.indexOf(':') + 1));
            try (PreparedStatement reset = c.prepareStatement("UPDATE postbox_message SET visible_at = ?"
                    + " WHERE incarnation = ? AND sequence = ? AND receive_count = ?"
                    + " RETURNING first_received_at, sequence_number, payload")) {
                reset.setLong(1, micros(now.plus(receive.visibilityTimeout())));
                reset.setLong(2, incarnation);
                reset.setLong(3, sequence);
                reset.setInt(4, count);
                try (ResultSet rs = reset.executeQuery()) {
                    if (!rs.next()) {
                        // One of them was deleted or received again: the attempt is over (undo the resets).
                        c.rollback();
                        update(c, "DELETE FROM postbox_receive_attempt WHERE incarnation = ? AND attempt_id = ?",
                                incarnation, receive.attemptId());
                        return null;
                    }
                    deliveries.add(new Delivery(MessageDataCodec.decode(rs.getBytes(3)), sequence, count,
                            instant(rs.getLong(1)), instant(receivedAt), rs.getString(2)));
                }
            }
        }
        return deliveries;
    }

    static void remember(Connection c, long incarnation, String attemptId, List<Delivery> deliveries,
                                        Instant now) throws SQLException {
        StringBuilder receipts = new StringBuilder();
        for (Delivery d : deliveries) {
            receipts.append(receipts.isEmpty() ? "" : ",").append(d.sequence()).append(':').append(d.receiveCount());
        }
        try (PreparedStatement remember = c.prepareStatement("INSERT INTO postbox_receive_attempt VALUES"
                + " (?, ?, ?, ?, ?) ON CONFLICT (incarnation, attempt_id) DO UPDATE SET received_at ="
                + " EXCLUDED.received_at, expires_at = EXCLUDED.expires_at, receipts = EXCLUDED.receipts")) {
            remember.setLong(1, incarnation);
            remember.setString(2, attemptId);
            remember.setLong(3, micros(now));
            remember.setLong(4, micros(now.plus(Limits.DEDUPLICATION_INTERVAL)));
            remember.setString(5, receipts.toString());
            remember.executeUpdate();
        }
    }
}
