package dev.postbox.store.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.store.postgres.QueueCache.StoredQueue;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every part of the postgres store reads and writes alike: queue rows, times (epoch microseconds, as stored),
 * JSON maps of strings, one-off statements.
 */
final class Rows {
    private Rows() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };

    static final String QUEUE_COLUMNS = "region, account, name, incarnation, fifo, attributes, tags, created_at,"
            + " modified_at, last_fifo_sequence";

    /** Where a queue's row (or its freed name's) is the key's: bind with {@link #bindKey}. */
    static final String KEY_MATCHES = "region = ? AND account = ? AND name = ?";

    /** Binds the key's region, account and name from {@code index} on; the index after them. */
    static int bindKey(PreparedStatement statement, int index, QueueKey key) throws SQLException {
        statement.setString(index, key.region());
        statement.setString(index + 1, key.accountId());
        statement.setString(index + 2, key.name());
        return index + 3;
    }

    /** Messages retained from this instant on or before are past the queue's retention period. */
    static long retentionCutoff(QueueRecord queue, Instant now) {
        return micros(now.minusSeconds(queue.intAttribute(QueueAttributes.MESSAGE_RETENTION_PERIOD)));
    }

    static Optional<QueueRecord> queue(Connection c, QueueKey key, boolean lock) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM postbox_queue"
                + " WHERE " + KEY_MATCHES + (lock ? " FOR UPDATE" : ""))) {
            bindKey(select, 1, key);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
        }
    }

    /** The queue with whether its tenants take turns (db/postbox/V2), read from the database. */
    static Optional<StoredQueue> storedQueue(Connection c, QueueKey key) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + ", tenanted FROM postbox_queue"
                + " WHERE " + KEY_MATCHES)) {
            bindKey(select, 1, key);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(new StoredQueue(record(rs), rs.getBoolean(11))) : Optional.empty();
            }
        }
    }

    static QueueRecord record(ResultSet rs) throws SQLException {
        return new QueueRecord(new QueueKey(rs.getString(1), rs.getString(2), rs.getString(3)), rs.getLong(4),
                rs.getBoolean(5), map(rs.getString(6)), map(rs.getString(7)), instant(rs.getLong(8)),
                instant(rs.getLong(9)));
    }

    static int update(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            bind(statement, 1, parameters);
            return statement.executeUpdate();
        }
    }

    /** Binds {@code values} in order from parameter {@code first} on; the index of the parameter after them. */
    static int bind(PreparedStatement statement, int first, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            statement.setObject(first + i, values[i]);
        }
        return first + values.length;
    }

    static Array longs(Connection c, List<Long> values) throws SQLException {
        return c.createArrayOf("bigint", values.toArray());
    }

    static String json(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
    }

    static Map<String, String> map(String json) {
        try {
            return JSON.readValue(json, STRING_MAP);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a stored map is damaged", e);
        }
    }

    static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    /** The instant of a stored time; null for SQL NULL (read as 0 by JDBC, never a stored time). */
    static Instant instant(long micros) {
        return micros == 0 ? null : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                Math.floorMod(micros, 1_000_000L) * 1000);
    }

    /**
     * A message with a group id came to a standard queue: from now on its tenants take turns. True when this step
     * marked it (the caller then forgets its cached queue).
     */
    static boolean markTenanted(Connection c, QueueRecord queue, MessageData data) throws SQLException {
        return !queue.fifo() && data.groupId() != null && update(c, "UPDATE postbox_queue SET tenanted = true"
                + " WHERE incarnation = ? AND NOT tenanted", queue.incarnation()) > 0;
    }
}
