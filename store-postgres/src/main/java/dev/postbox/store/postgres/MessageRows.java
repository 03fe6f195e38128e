package dev.postbox.store.postgres;

import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.NewMessage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;

import static dev.postbox.store.postgres.Rows.micros;

/**
 * Writing message rows: the insert shared by sends and dead-letter moves, and FIFO's sequence numbers and group
 * tickets, which a writer takes while it holds its queue's row lock.
 */
final class MessageRows {
    private MessageRows() {
    }

    static long lockFifoSequence(Connection c, long incarnation) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement(
                "SELECT last_fifo_sequence FROM postbox_queue WHERE incarnation = ? FOR UPDATE")) {
            lock.setLong(1, incarnation);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new QueueCache.StaleQueue();
                }
                return rs.getLong(1);
            }
        }
    }

    /**
     * A group with no messages draws a ticket at the back of the line (a new group, or one that emptied: the row
     * of an emptied group stays until then). Callers hold the queue's row lock.
     */
    static void enterGroup(Connection c, long incarnation, String groupId) throws SQLException {
        try (PreparedStatement group = c.prepareStatement("INSERT INTO postbox_fifo_group AS g VALUES"
                + " (?, ?, nextval('postbox_group_ticket')) ON CONFLICT (incarnation, group_id) DO UPDATE"
                + " SET ticket = EXCLUDED.ticket WHERE NOT EXISTS (SELECT 1 FROM postbox_message m"
                + " WHERE m.incarnation = g.incarnation AND m.group_id = g.group_id)")) {
            group.setLong(1, incarnation);
            group.setString(2, groupId);
            group.executeUpdate();
        }
    }

    private static final String INSERT_MESSAGE_COLUMNS = "INSERT INTO postbox_message (incarnation, sequence,"
            + " visible_at, retained_from, receive_count, first_received_at, group_id, payload, sequence_number)";

    static final String INSERT_MESSAGE = INSERT_MESSAGE_COLUMNS
            + " VALUES (?, nextval('postbox_message_sequence'), ?, ?, ?, ?, ?, ?, ?)";

    /**
     * A standard queue's new messages, all in one statement (its cost is mostly per statement, not per row), in
     * their order (the function scan reads the arrays in order, so the sequence numbers follow it); nothing when no
     * queue has the incarnation any more.
     */
    private static final String INSERT_STANDARD_MESSAGES = INSERT_MESSAGE_COLUMNS + """
             SELECT ?, nextval('postbox_message_sequence'), m.visible_at, m.retained_from, 0, NULL, m.group_id,
                m.payload, NULL
            FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::bytea[]) AS m(visible_at, retained_from, group_id,
                payload)
            WHERE EXISTS (SELECT 1 FROM postbox_queue WHERE incarnation = ?)
            """;

    /** Inserts a standard queue's new messages in one statement; false (and nothing inserted) when it is gone. */
    static boolean insertStandard(Connection c, long incarnation, List<NewMessage> messages) throws SQLException {
        int n = messages.size();
        Long[] visibleAt = new Long[n];
        Long[] retainedFrom = new Long[n];
        String[] groupIds = new String[n];
        byte[][] payloads = new byte[n][];
        for (int i = 0; i < n; i++) {
            NewMessage message = messages.get(i);
            visibleAt[i] = micros(message.visibleAt());
            retainedFrom[i] = micros(message.retainedFrom());
            groupIds[i] = tenant(message);
            payloads[i] = MessageDataCodec.encode(message.data());
        }
        try (PreparedStatement insert = c.prepareStatement(INSERT_STANDARD_MESSAGES)) {
            insert.setLong(1, incarnation);
            insert.setArray(2, c.createArrayOf("bigint", visibleAt));
            insert.setArray(3, c.createArrayOf("bigint", retainedFrom));
            insert.setArray(4, c.createArrayOf("text", groupIds));
            insert.setArray(5, c.createArrayOf("bytea", payloads));
            insert.setLong(6, incarnation);
            return insert.executeUpdate() == n;
        }
    }

    /** The tenant of a standard queue's message without a group id is "" (one tenant; the payload keeps null). */
    private static String tenant(NewMessage message) {
        return message.data().groupId() == null ? "" : message.data().groupId();
    }

    /** Binds {@link #INSERT_MESSAGE}; {@code sequenceNumber} is null on standard queues. */
    static void bindMessage(PreparedStatement insert, long incarnation, NewMessage message, int receiveCount,
                                    Instant firstReceivedAt, String sequenceNumber) throws SQLException {
        insert.setLong(1, incarnation);
        insert.setLong(2, micros(message.visibleAt()));
        insert.setLong(3, micros(message.retainedFrom()));
        insert.setInt(4, receiveCount);
        if (firstReceivedAt == null) {
            insert.setNull(5, Types.BIGINT);
        } else {
            insert.setLong(5, micros(firstReceivedAt));
        }
        insert.setString(6, tenant(message));
        insert.setBytes(7, MessageDataCodec.encode(message.data()));
        insert.setString(8, sequenceNumber);
    }

    /** FIFO sequence numbers grow per queue and with time, as {@code MemoryQueue}'s: 20 digits. */
    static long nextFifoSequence(long last, Instant now) {
        return Math.max(last + 1, now.toEpochMilli() * 1_000_000L);
    }

    static String fifoSequenceNumber(long sequence) {
        return "1" + String.format("%019d", sequence);
    }
}
