package dev.postbox.store.postgres;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.postbox.core.Limits;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.time.Timer;

import org.postgresql.PGStatement;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import dev.postbox.store.postgres.QueueCache.StoredQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The store that lives in PostgreSQL: every piece of SQS state in tables (schema: {@code db/postbox/V1}), so that
 * any number of nodes can serve the same queues. Each step is one transaction ({@link Transactions}); a receive of a
 * standard queue without a redrive rule is one statement ({@code UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)}).
 *
 * <p>Concurrency across nodes: receives claim messages with {@code FOR UPDATE SKIP LOCKED} and own them by moving
 * {@code visible_at} (a lease), never by holding locks; FIFO receives lock the groups they serve the same way, so a
 * group is served by one receive at a time; FIFO sends lock their queue's row, which orders sequence numbers and
 * makes deduplication atomic. Time is the caller's ({@code now}), in epoch microseconds.
 */
public final class PostgresQueueStore implements QueueStore {
    private static final System.Logger LOG = System.getLogger(PostgresQueueStore.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };
    /** A fair receive lets this many tenants (message groups of a standard queue) take turns. */
    private static final int TENANTS_PER_RECEIVE = 100;
    /**
     * Standard queues are fair: the receivable messages of each tenant (group id; "" for messages without one), the
     * oldest first, ranked by turn ({@code ranked(sequence, turn)}), so that a quiet tenant's message comes in the
     * first turn however large a flooding tenant's backlog is. Tenants are found by a skip scan of the group index
     * (a few index probes, not a scan of the queue). The rows are claimed where they are chosen ({@code SKIP LOCKED}
     * in each tenant's scan): concurrent receives then take different messages instead of all choosing the same
     * oldest ones and all but one coming back empty (measured: a 16-consumer drain made no progress that way).
     */
    private static final String TENANT_TURNS = """
            WITH RECURSIVE tenants(group_id, n) AS (
                (SELECT group_id, 1 FROM postbox_message WHERE incarnation = ? ORDER BY group_id LIMIT 1)
              UNION ALL
                SELECT (SELECT m.group_id FROM postbox_message m WHERE m.incarnation = ? AND m.group_id > t.group_id
                        ORDER BY m.group_id LIMIT 1), t.n + 1
                FROM tenants t WHERE t.group_id IS NOT NULL AND t.n < """ + TENANTS_PER_RECEIVE + """
            ),
            ranked AS (
                SELECT c.sequence, row_number() OVER (PARTITION BY t.group_id ORDER BY c.sequence) AS turn
                FROM tenants t CROSS JOIN LATERAL (
                    SELECT m.sequence FROM postbox_message m
                    WHERE m.incarnation = ? AND m.group_id = t.group_id AND m.visible_at <= ? AND m.retained_from > ?
                    ORDER BY m.sequence LIMIT ? FOR UPDATE SKIP LOCKED) c
                WHERE t.group_id IS NOT NULL)
            """;
    private static final String QUEUE_COLUMNS =
            "account, name, incarnation, fifo, attributes, tags, created_at, modified_at, last_fifo_sequence";

    private final Transactions transactions;
    private final LocalWaiters waiters = new LocalWaiters();
    /** Null in poll-only mode. */
    private final ReceivableHints hints;
    private final Duration pollInterval;
    private final QueueCache cache = new QueueCache();
    private final ReceiveFloors floors = new ReceiveFloors();
    /** When this node last swept each queue, on the callers' clock. */
    private final Map<QueueKey, Instant> lastSwept = new ConcurrentHashMap<>();
    private final byte[] receiptHandleSecret;

    private final Runnable onClose;

    /**
     * @param dataSource the pool every transaction borrows from
     * @param hinting      opens the connections that send and hear hints of other nodes' changes (unpooled: they
     *                     live as long as the store); null: no hints, long polls look every {@code pollInterval}
     * @param pollInterval how often a waiting long poll looks for messages when there are no hints
     * @param onClose      what closing the store also closes (its connection pool, when it owns one)
     */
    public PostgresQueueStore(DataSource dataSource, DataSource hinting, Duration pollInterval, Runnable onClose) {
        this.onClose = onClose;
        this.transactions = new Transactions(dataSource);
        this.receiptHandleSecret = transactions.runHere(PostgresQueueStore::receiptHandleSecret);
        this.hints = hinting == null ? null : new ReceivableHints(hinting, waiters::hint, waiters::wakeEveryone);
        this.pollInterval = pollInterval;
    }

    // ---- queues --------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<CreateOutcome> createQueue(QueueRecord proposed, Instant nameFreeSince) {
        return transactions.run(c -> {
            Optional<QueueRecord> existing = queue(c, proposed.key(), false);
            if (existing.isPresent()) {
                return new CreateOutcome(existing.get(), CreateOutcome.Status.EXISTS);
            }
            try (PreparedStatement freed = c.prepareStatement(
                    "SELECT freed_at FROM postbox_freed_name WHERE account = ? AND name = ?")) {
                freed.setString(1, proposed.key().accountId());
                freed.setString(2, proposed.key().name());
                try (ResultSet rs = freed.executeQuery()) {
                    if (rs.next() && rs.getLong(1) > micros(nameFreeSince)) {
                        return new CreateOutcome(null, CreateOutcome.Status.NAME_RECENTLY_DELETED);
                    }
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO postbox_queue (" + QUEUE_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (account, name) DO NOTHING")) {
                insert.setString(1, proposed.key().accountId());
                insert.setString(2, proposed.key().name());
                insert.setLong(3, proposed.incarnation());
                insert.setBoolean(4, proposed.fifo());
                insert.setString(5, json(proposed.attributes()));
                insert.setString(6, json(proposed.tags()));
                insert.setLong(7, micros(proposed.createdAt()));
                insert.setLong(8, micros(proposed.lastModifiedAt()));
                if (insert.executeUpdate() == 0) { // another node created it meanwhile
                    return new CreateOutcome(queue(c, proposed.key(), false).orElseThrow(),
                            CreateOutcome.Status.EXISTS);
                }
            }
            forgetQueue(proposed.key());
            return new CreateOutcome(proposed, CreateOutcome.Status.CREATED);
        });
    }

    @Override
    public CompletableFuture<Optional<QueueRecord>> queue(QueueKey key) {
        Optional<StoredQueue> cached = cache.fresh(key);
        if (cached.isPresent()) {
            return CompletableFuture.completedFuture(Optional.of(cached.get().record()));
        }
        return transactions.run(c -> cache.load(key, () -> storedQueue(c, key)).map(StoredQueue::record));
    }

    @Override
    public CompletableFuture<List<QueueRecord>> queues(String accountId, String namePrefix) {
        return transactions.run(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM postbox_queue"
                    + " WHERE account = ? AND starts_with(name, ?) ORDER BY name COLLATE \"C\"")) {
                select.setString(1, accountId);
                select.setString(2, namePrefix == null ? "" : namePrefix);
                List<QueueRecord> records = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        records.add(record(rs));
                    }
                }
                return records;
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> deleteQueue(QueueKey key, Instant now) {
        return transactions.run(c -> {
            Optional<QueueRecord> queue = queue(c, key, true);
            forgetQueue(key);
            if (queue.isEmpty()) {
                return false;
            }
            long incarnation = queue.get().incarnation();
            floors.forget(incarnation);
            lastSwept.remove(key);
            for (String table : List.of("postbox_message", "postbox_fifo_group", "postbox_dedup",
                    "postbox_receive_attempt")) {
                update(c, "DELETE FROM " + table + " WHERE incarnation = ?", incarnation);
            }
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM postbox_queue WHERE account = ? AND name = ?")) {
                delete.setString(1, key.accountId());
                delete.setString(2, key.name());
                delete.executeUpdate();
            }
            hintOtherNodes(key, now); // polls on other nodes end: their queue is gone
            try (PreparedStatement freed = c.prepareStatement("INSERT INTO postbox_freed_name VALUES (?, ?, ?)"
                    + " ON CONFLICT (account, name) DO UPDATE SET freed_at = EXCLUDED.freed_at")) {
                freed.setString(1, key.accountId());
                freed.setString(2, key.name());
                freed.setLong(3, micros(now));
                freed.executeUpdate();
            }
            return true;
        }).whenComplete((deleted, failure) -> waiters.wakeAll(key));
    }

    @Override
    public CompletableFuture<QueueRecord> updateQueue(QueueKey key, UnaryOperator<QueueRecord> change) {
        return transactions.run(c -> {
            QueueRecord current = queue(c, key, true).orElseThrow(SqsException::queueDoesNotExist);
            forgetQueue(key);
            QueueRecord changed = change.apply(current);
            try (PreparedStatement update = c.prepareStatement("UPDATE postbox_queue SET attributes = ?, tags = ?,"
                    + " modified_at = ? WHERE account = ? AND name = ?")) {
                update.setString(1, json(changed.attributes()));
                update.setString(2, json(changed.tags()));
                update.setLong(3, micros(changed.lastModifiedAt()));
                update.setString(4, key.accountId());
                update.setString(5, key.name());
                update.executeUpdate();
            }
            return changed;
        });
    }

    // ---- sending -------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now) {
        return transactions.run(c -> {
            List<Sent> sent = withQueue(c, key, stored -> {
                QueueRecord queue = stored.record();
                return queue.fifo() ? sendFifo(c, queue, messages, now) : sendStandard(c, stored, messages, now);
            });
            if (sent.stream().anyMatch(s -> !s.duplicate())) {
                hintOtherNodes(key, messages.stream().map(NewMessage::visibleAt)
                        .min(Comparator.naturalOrder()).orElseThrow());
            }
            return sent;
        }).whenComplete((sent, failure) -> {
            if (failure == null) {
                messages.stream().map(NewMessage::visibleAt).min(Comparator.naturalOrder())
                        .ifPresent(at -> waiters.visibleAt(key, at, now));
            }
        });
    }

    /** Inserts the messages if their queue (incarnation) still exists: the cached queue may be gone. */
    private List<Sent> sendStandard(Connection c, StoredQueue stored, List<NewMessage> messages, Instant now)
            throws SQLException {
        QueueRecord queue = stored.record();
        // One statement (the rows of a batch go in one implicit transaction); marking tenants stands on its own.
        Transactions.commitEachStatement(c);
        try (PreparedStatement insert = c.prepareStatement(INSERT_MESSAGE_IF_QUEUE)) {
            List<Sent> sent = new ArrayList<>(messages.size());
            for (NewMessage message : messages) {
                bindMessage(insert, queue.incarnation(), message, 0, null, null);
                insert.setLong(9, queue.incarnation());
                insert.addBatch();
                sent.add(new Sent(message.data().messageId(), null, false));
            }
            for (int inserted : insert.executeBatch()) {
                if (inserted == 0) {
                    throw new QueueCache.StaleQueue(); // the first row too: all rows see the same queue table
                }
            }
            if (!stored.tenanted()) {
                for (NewMessage message : messages) {
                    if (message.data().groupId() != null) {
                        markTenanted(c, queue, message.data());
                        break;
                    }
                }
            }
            return sent;
        }
    }

    /** FIFO sends hold their queue's row lock: sequence numbers in send order, deduplication decided atomically. */
    private static List<Sent> sendFifo(Connection c, QueueRecord queue, List<NewMessage> messages, Instant now)
            throws SQLException {
        long incarnation = queue.incarnation();
        long lastSequence = lockFifoSequence(c, incarnation);
        update(c, "DELETE FROM postbox_dedup WHERE incarnation = ? AND expires_at <= ?", incarnation, micros(now));
        boolean perGroup = "messageGroup".equals(queue.attributes().get(QueueAttributes.DEDUPLICATION_SCOPE));
        List<Sent> sent = new ArrayList<>(messages.size());
        for (NewMessage message : messages) {
            MessageData data = message.data();
            if (message.deduplicate()) {
                Sent original = findDuplicate(c, incarnation, data.groupId(), data.deduplicationId(), perGroup);
                if (original != null) {
                    sent.add(original);
                    continue;
                }
            }
            lastSequence = nextFifoSequence(lastSequence, now);
            String sequenceNumber = fifoSequenceNumber(lastSequence);
            enterGroup(c, incarnation, data.groupId());
            try (PreparedStatement insert = c.prepareStatement(INSERT_MESSAGE)) {
                bindMessage(insert, incarnation, message, 0, null, sequenceNumber);
                insert.executeUpdate();
            }
            if (message.deduplicate()) {
                try (PreparedStatement dedup = c.prepareStatement("INSERT INTO postbox_dedup VALUES (?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT (incarnation, deduplication_id, group_id) DO UPDATE SET"
                        + " message_id = EXCLUDED.message_id, sequence_number = EXCLUDED.sequence_number,"
                        + " expires_at = EXCLUDED.expires_at")) {
                    dedup.setLong(1, incarnation);
                    dedup.setString(2, data.deduplicationId());
                    dedup.setString(3, data.groupId());
                    dedup.setString(4, data.messageId());
                    dedup.setString(5, sequenceNumber);
                    dedup.setLong(6, micros(now.plus(Limits.DEDUPLICATION_INTERVAL)));
                    dedup.executeUpdate();
                }
            }
            sent.add(new Sent(data.messageId(), sequenceNumber, false));
        }
        update(c, "UPDATE postbox_queue SET last_fifo_sequence = ? WHERE incarnation = ?", lastSequence, incarnation);
        return sent;
    }

    private static long lockFifoSequence(Connection c, long incarnation) throws SQLException {
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

    /** The original of a send under this id within the window (any group's under scope queue), or null. */
    private static Sent findDuplicate(Connection c, long incarnation, String groupId, String deduplicationId,
                                      boolean perGroup) throws SQLException {
        try (PreparedStatement find = c.prepareStatement("SELECT message_id, sequence_number FROM postbox_dedup"
                + " WHERE incarnation = ? AND deduplication_id = ?" + (perGroup ? " AND group_id = ?" : "")
                + " LIMIT 1")) {
            find.setLong(1, incarnation);
            find.setString(2, deduplicationId);
            if (perGroup) {
                find.setString(3, groupId);
            }
            try (ResultSet rs = find.executeQuery()) {
                return rs.next() ? new Sent(rs.getString(1), rs.getString(2), true) : null;
            }
        }
    }

    /**
     * A group with no messages draws a ticket at the back of the line (a new group, or one that emptied: the row
     * of an emptied group stays until then). Callers hold the queue's row lock.
     */
    private static void enterGroup(Connection c, long incarnation, String groupId) throws SQLException {
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
    private static final String INSERT_MESSAGE = INSERT_MESSAGE_COLUMNS
            + " VALUES (?, nextval('postbox_message_sequence'), ?, ?, ?, ?, ?, ?, ?)";
    /** {@link #INSERT_MESSAGE}, inserting nothing when no queue has the incarnation (the ninth parameter). */
    private static final String INSERT_MESSAGE_IF_QUEUE = INSERT_MESSAGE_COLUMNS
            + " SELECT ?, nextval('postbox_message_sequence'), ?, ?, ?, ?, ?, ?, ?"
            + " WHERE EXISTS (SELECT 1 FROM postbox_queue WHERE incarnation = ?)";

    /** Binds {@link #INSERT_MESSAGE}; {@code sequenceNumber} is null on standard queues. */
    private static void bindMessage(PreparedStatement insert, long incarnation, NewMessage message, int receiveCount,
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
        // The tenant of a standard queue's message without a group id is "" (one tenant; the payload keeps null).
        insert.setString(6, message.data().groupId() == null ? "" : message.data().groupId());
        insert.setBytes(7, MessageDataCodec.encode(message.data()));
        insert.setString(8, sequenceNumber);
    }

    /** FIFO sequence numbers grow per queue and with time, as {@code MemoryQueue}'s: 20 digits. */
    private static long nextFifoSequence(long last, Instant now) {
        return Math.max(last + 1, now.toEpochMilli() * 1_000_000L);
    }

    private static String fifoSequenceNumber(long sequence) {
        return "1" + String.format("%019d", sequence);
    }

    /** Messages retained from this instant on or before are past the queue's retention period. */
    private static long retentionCutoff(QueueRecord queue, Instant now) {
        return micros(now.minusSeconds(queue.intAttribute(QueueAttributes.MESSAGE_RETENTION_PERIOD)));
    }

    // ---- receiving -----------------------------------------------------------------------------------------------

    /** A row a receive claimed, before it is handed out or dead-lettered. */
    private record Claimed(long sequence, int receiveCount, Instant firstReceivedAt, Instant retainedFrom,
                           String sequenceNumber, byte[] payload, long visibleAt) {
    }

    @Override
    public CompletableFuture<List<Delivery>> receive(QueueKey key, Receive receive, Instant now) {
        return transactions.run(c -> {
            StoredQueue receiving = cache.get(key, () -> storedQueue(c, key))
                    .orElseThrow(SqsException::queueDoesNotExist);
            QueueRecord queue = receiving.record();
            long cutoff = retentionCutoff(queue, now);
            if (queue.fifo() && receive.attemptId() != null) {
                List<Delivery> repeated = repeatAttempt(c, queue.incarnation(), receive, now);
                if (repeated != null) {
                    return repeated;
                }
            }
            QueueRecord deadLetter = receive.redrive() == null ? null
                    : queue(c, receive.redrive().deadLetterQueue(), false).orElse(null);
            List<Delivery> deliveries;
            if (queue.fifo()) {
                deliveries = receiveFifo(c, queue, receive, deadLetter, now, cutoff);
            } else if (deadLetter == null) {
                deliveries = receiveStandard(c, receiving, receive, now, cutoff);
            } else {
                deliveries = receiveStandardWithRedrive(c, receiving, receive, deadLetter, now, cutoff);
            }
            if (queue.fifo() && receive.attemptId() != null && !deliveries.isEmpty()) {
                rememberAttempt(c, queue.incarnation(), receive.attemptId(), deliveries, now);
            }
            sweepIfDue(key, queue.incarnation(), cutoff, now);
            return deliveries;
        });
    }

    /**
     * The one-statement receive: claim, count and hide the oldest visible messages (tenants taking turns). Without
     * tenants the scan starts at the queue's {@link ReceiveFloors floor}.
     */
    private List<Delivery> receiveStandard(Connection c, StoredQueue queue, Receive receive, Instant now,
                                           long cutoff) throws SQLException {
        Transactions.commitEachStatement(c);
        long nowMicros = micros(now);
        List<Delivery> deliveries = new ArrayList<>(scanStandard(queue, nowMicros, (floor, tookFrom) -> {
            try (PreparedStatement take = prepareReceive(c, queue, """
                    UPDATE postbox_message m SET visible_at = ?, receive_count = m.receive_count + 1,
                        first_received_at = coalesce(m.first_received_at, ?)
                    FROM picked WHERE m.incarnation = picked.incarnation AND m.sequence = picked.sequence
                    RETURNING m.sequence, m.receive_count, m.first_received_at, m.sequence_number, m.payload,
                        picked.visible_at
                    """)) {
                int next = bindPicked(take, queue, nowMicros, cutoff, receive.max(), floor);
                take.setLong(next, micros(now.plus(receive.visibilityTimeout())));
                take.setLong(next + 1, nowMicros);
                List<Delivery> taken = new ArrayList<>(receive.max());
                try (ResultSet rs = take.executeQuery()) {
                    while (rs.next()) {
                        taken.add(new Delivery(MessageDataCodec.decode(rs.getBytes(5)), rs.getLong(1), rs.getInt(2),
                                instant(rs.getLong(3)), now, rs.getString(4)));
                        tookFrom.accept(rs.getLong(6));
                    }
                }
                return taken;
            }
        }));
        deliveries.sort(Comparator.comparingLong(Delivery::sequence));
        return deliveries;
    }

    /** With a redrive rule: claim, then hand out or move each (a second statement per outcome). */
    private List<Delivery> receiveStandardWithRedrive(Connection c, StoredQueue queue, Receive receive,
                                                      QueueRecord deadLetter, Instant now, long cutoff)
            throws SQLException {
        List<Delivery> deliveries = new ArrayList<>();
        for (int round = 0; round < 10 && deliveries.size() < receive.max(); round++) {
            int max = receive.max() - deliveries.size();
            List<Claimed> claimed = scanStandard(queue, micros(now), (floor, tookFrom) -> {
                try (PreparedStatement claim = prepareReceive(c, queue, """
                        SELECT m.sequence, m.receive_count, m.first_received_at, m.retained_from, m.sequence_number,
                            m.payload, m.visible_at
                        FROM postbox_message m JOIN picked USING (incarnation, sequence)
                        """)) {
                    bindPicked(claim, queue, micros(now), cutoff, max, floor);
                    List<Claimed> rows = claimed(claim);
                    rows.forEach(row -> tookFrom.accept(row.visibleAt()));
                    return rows;
                }
            });
            if (claimed.isEmpty()) {
                break;
            }
            deliveries.addAll(handOutOrDeadLetter(c, queue.record(), claimed, receive, deadLetter, now));
        }
        deliveries.sort(Comparator.comparingLong(Delivery::sequence));
        return deliveries;
    }

    /** A standard queue's scan: from its floor without tenants, from the head with them. */
    private <T> List<T> scanStandard(StoredQueue queue, long nowMicros, ReceiveFloors.Scan<T> scan)
            throws SQLException {
        if (queue.tenanted()) {
            return scan.from(ReceiveFloors.NONE, visibleAt -> { });
        }
        return floors.take(queue.record().incarnation(), nowMicros, scan);
    }

    /**
     * The CTE {@code picked(incarnation, sequence, visible_at)}: up to {@code max} receivable messages, locked
     * ({@code SKIP LOCKED}: concurrent receives take different ones). Without tenants, the oldest visible from the
     * floor on by the visibility index (in-flight and delayed rows sit at its tail, so the scan never walks past
     * them); with tenants, {@link #TENANT_TURNS}' fair pick.
     */
    private static String picked(boolean tenanted) {
        if (!tenanted) {
            return """
                    WITH picked AS (
                        SELECT incarnation, sequence, visible_at FROM postbox_message
                        WHERE incarnation = ? AND visible_at >= ? AND visible_at <= ? AND retained_from > ?
                        ORDER BY visible_at, sequence LIMIT ? FOR UPDATE SKIP LOCKED)
                    """;
        }
        return TENANT_TURNS + """
                ,
                picked AS (
                    SELECT m.incarnation, m.sequence, m.visible_at FROM postbox_message m
                    JOIN ranked r ON m.sequence = r.sequence
                    WHERE m.incarnation = ? AND m.visible_at <= ?
                    ORDER BY r.turn, m.sequence LIMIT ? FOR UPDATE OF m SKIP LOCKED)
                """;
    }

    /**
     * A receive's statement: {@link #picked} and then {@code rest}. A fair (tenanted) receive is planned for each
     * execution's values: pgjdbc sends it unnamed, so PostgreSQL never caches a generic plan for it (one scanned the
     * table). The untenanted receive keeps PostgreSQL's default: after five executions it is planned once, generically
     * (an index scan of the visibility index, as its custom plans; planning was a third of the database's CPU in a
     * drain).
     */
    private static PreparedStatement prepareReceive(Connection c, StoredQueue queue, String rest) throws SQLException {
        PreparedStatement statement = c.prepareStatement(picked(queue.tenanted()) + rest);
        if (queue.tenanted()) {
            statement.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        return statement;
    }

    /** Binds {@link #picked}'s parameters; the index of the next one. */
    private static int bindPicked(PreparedStatement statement, StoredQueue queue, long nowMicros, long cutoff,
                                  int max, long floor) throws SQLException {
        long incarnation = queue.record().incarnation();
        if (!queue.tenanted()) {
            statement.setLong(1, incarnation);
            statement.setLong(2, floor);
            statement.setLong(3, nowMicros);
            statement.setLong(4, cutoff);
            statement.setInt(5, max);
            return 6;
        }
        statement.setLong(1, incarnation);
        statement.setLong(2, incarnation);
        statement.setLong(3, incarnation);
        statement.setLong(4, nowMicros);
        statement.setLong(5, cutoff);
        statement.setInt(6, max);
        statement.setLong(7, incarnation);
        statement.setLong(8, nowMicros);
        statement.setInt(9, max);
        return 10;
    }

    private static List<Claimed> claimed(PreparedStatement select) throws SQLException {
        List<Claimed> claimed = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                claimed.add(new Claimed(rs.getLong(1), rs.getInt(2), instant(rs.getLong(3)), instant(rs.getLong(4)),
                        rs.getString(5), rs.getBytes(6), rs.getLong(7)));
            }
        }
        return claimed;
    }

    /** Hands out the claimed messages, moving to the dead-letter queue those a receive would take past the limit. */
    private List<Delivery> handOutOrDeadLetter(Connection c, QueueRecord queue, List<Claimed> claimed,
                                                      Receive receive, QueueRecord deadLetter, Instant now)
            throws SQLException {
        List<Delivery> deliveries = new ArrayList<>(claimed.size());
        List<Long> handedOut = new ArrayList<>(claimed.size());
        for (Claimed message : claimed) {
            MessageData data = MessageDataCodec.decode(message.payload());
            if (deadLetter != null && message.receiveCount() + 1 > receive.redrive().maxReceiveCount()) {
                moveToDeadLetter(c, queue.incarnation(), message, data, receive.redrive().sourceArn(), deadLetter,
                        now);
                continue;
            }
            Instant first = message.firstReceivedAt() == null ? now : message.firstReceivedAt();
            deliveries.add(new Delivery(data, message.sequence(), message.receiveCount() + 1, first, now,
                    message.sequenceNumber()));
            handedOut.add(message.sequence());
        }
        if (!handedOut.isEmpty()) {
            try (PreparedStatement hide = c.prepareStatement("UPDATE postbox_message SET visible_at = ?,"
                    + " receive_count = receive_count + 1, first_received_at = coalesce(first_received_at, ?)"
                    + " WHERE incarnation = ? AND sequence = ANY(?)")) {
                hide.setLong(1, micros(now.plus(receive.visibilityTimeout())));
                hide.setLong(2, micros(now));
                hide.setLong(3, queue.incarnation());
                hide.setArray(4, longs(c, handedOut));
                hide.executeUpdate();
            }
        }
        return deliveries;
    }

    /**
     * The message leaves its queue for the dead-letter queue: same id, body, attributes, send time and receive
     * history; a FIFO dead-letter queue restarts its retention and gives it a sequence number of its own (AWS).
     */
    private void moveToDeadLetter(Connection c, long incarnation, Claimed message, MessageData data,
                                         String sourceArn, QueueRecord deadLetter, Instant now) throws SQLException {
        update(c, "DELETE FROM postbox_message WHERE incarnation = ? AND sequence = ?", incarnation,
                message.sequence());
        NewMessage moved = new NewMessage(data.withDeadLetterQueueSourceArn(sourceArn), now,
                deadLetter.fifo() ? now : message.retainedFrom(), false);
        String sequenceNumber = null;
        if (deadLetter.fifo()) {
            long last;
            try {
                last = nextFifoSequence(lockFifoSequence(c, deadLetter.incarnation()), now);
            } catch (QueueCache.StaleQueue deleted) {
                throw SqsException.queueDoesNotExist();
            }
            update(c, "UPDATE postbox_queue SET last_fifo_sequence = ? WHERE incarnation = ?", last,
                    deadLetter.incarnation());
            sequenceNumber = fifoSequenceNumber(last);
            enterGroup(c, deadLetter.incarnation(), data.groupId());
        }
        try (PreparedStatement insert = c.prepareStatement(INSERT_MESSAGE)) {
            bindMessage(insert, deadLetter.incarnation(), moved, message.receiveCount(), message.firstReceivedAt(),
                    sequenceNumber);
            insert.executeUpdate();
        }
        markTenanted(c, deadLetter, moved.data());
        if (hints != null) {
            transactions.afterCommit(() -> hints.sendToAll(deadLetter.key(), now));
        }
    }

    /**
     * FIFO: lock up to {@code max} groups whose first message is visible, in ticket order, skipping groups another
     * receive holds; take each group's messages up to the first one not visible; served groups draw new tickets.
     */
    private List<Delivery> receiveFifo(Connection c, QueueRecord queue, Receive receive,
                                              QueueRecord deadLetter, Instant now, long cutoff) throws SQLException {
        long incarnation = queue.incarnation();
        long nowMicros = micros(now);
        List<String> groups = new ArrayList<>();
        try (PreparedStatement lock = c.prepareStatement("""
                SELECT g.group_id FROM postbox_fifo_group g
                WHERE g.incarnation = ? AND (SELECT m.visible_at FROM postbox_message m
                    WHERE m.incarnation = g.incarnation AND m.group_id = g.group_id AND m.retained_from > ?
                    ORDER BY m.sequence LIMIT 1) <= ?
                ORDER BY g.ticket LIMIT ? FOR UPDATE OF g SKIP LOCKED
                """)) {
            lock.setLong(1, incarnation);
            lock.setLong(2, cutoff);
            lock.setLong(3, nowMicros);
            lock.setInt(4, receive.max());
            try (ResultSet rs = lock.executeQuery()) {
                while (rs.next()) {
                    groups.add(rs.getString(1));
                }
            }
        }
        List<Delivery> deliveries = new ArrayList<>();
        for (String group : groups) {
            if (deliveries.size() >= receive.max()) {
                break;
            }
            try (PreparedStatement messages = c.prepareStatement("SELECT sequence, receive_count, first_received_at,"
                    + " retained_from, sequence_number, payload, visible_at FROM postbox_message"
                    + " WHERE incarnation = ? AND group_id = ? AND retained_from > ? ORDER BY sequence LIMIT ?")) {
                messages.setLong(1, incarnation);
                messages.setString(2, group);
                messages.setLong(3, cutoff);
                messages.setInt(4, receive.max() - deliveries.size() + 10);
                List<Claimed> visible = new ArrayList<>();
                try (ResultSet rs = messages.executeQuery()) {
                    while (rs.next() && rs.getLong(7) <= nowMicros) {
                        visible.add(new Claimed(rs.getLong(1), rs.getInt(2), instant(rs.getLong(3)),
                                instant(rs.getLong(4)), rs.getString(5), rs.getBytes(6), rs.getLong(7)));
                    }
                }
                List<Claimed> taken = new ArrayList<>();
                int dead = 0;
                for (Claimed message : visible) {
                    boolean deadLettered = deadLetter != null
                            && message.receiveCount() + 1 > receive.redrive().maxReceiveCount();
                    if (!deadLettered && deliveries.size() + taken.size() - dead >= receive.max()) {
                        break;
                    }
                    taken.add(message);
                    dead += deadLettered ? 1 : 0;
                }
                deliveries.addAll(handOutOrDeadLetter(c, queue, taken, receive, deadLetter, now));
            }
            update(c, "UPDATE postbox_fifo_group SET ticket = nextval('postbox_group_ticket')"
                    + " WHERE incarnation = ? AND group_id = ?", incarnation, group);
        }
        return deliveries;
    }

    /** A repeated FIFO receive: the remembered deliveries again if each is still at that receive, else null. */
    private static List<Delivery> repeatAttempt(Connection c, long incarnation, Receive receive, Instant now)
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

    private static void rememberAttempt(Connection c, long incarnation, String attemptId, List<Delivery> deliveries,
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

    /** How often a node sweeps a queue it receives from, and how many expired rows one sweep deletes at most. */
    static final Duration SWEEP_EVERY = Duration.ofSeconds(30);
    static final int SWEEP_BATCH = 1000;

    /**
     * Messages past their retention period are never delivered (every statement filters them) and their rows go
     * here: at most every {@link #SWEEP_EVERY} per queue and node, after a receive of that queue, its own
     * transaction deletes the expired ones among the queue's {@link #SWEEP_BATCH} oldest rows (a bounded scan of the
     * primary key: messages expire roughly in sequence order; a dead-lettered one keeps its first send time and goes
     * when it is among the oldest) and the queue's expired receive attempts. Rows a receive holds are skipped.
     */
    private void sweepIfDue(QueueKey key, long incarnation, long cutoff, Instant now) {
        Instant last = lastSwept.get(key);
        if (last != null && now.isBefore(last.plus(SWEEP_EVERY))) {
            return;
        }
        lastSwept.put(key, now);
        transactions.afterCommit(() -> transactions.run(c -> {
            // Bounded: a sweep must never hold back vacuum's horizon (a slow one did, and the table bloated).
            update(c, "SET LOCAL statement_timeout = '5s'");
            // The oldest rows by the primary key's order, read in that order: with stale statistics (a churning
            // table) the planner chose a bitmap scan of the whole queue and a sort, 0.7 s instead of 7 ms, measured
            // (the node's connections never use bitmap scans: PostgresDatabase).
            update(c, "SET LOCAL enable_sort = off");
            int swept = update(c, """
                    WITH expired AS (
                        SELECT incarnation, sequence FROM postbox_message
                        WHERE incarnation = ? AND retained_from <= ? AND sequence = ANY(ARRAY(
                            SELECT sequence FROM postbox_message WHERE incarnation = ? ORDER BY sequence LIMIT %d))
                        FOR UPDATE SKIP LOCKED)
                    DELETE FROM postbox_message m USING expired
                    WHERE m.incarnation = expired.incarnation AND m.sequence = expired.sequence
                    """.formatted(SWEEP_BATCH), incarnation, cutoff, incarnation);
            update(c, "DELETE FROM postbox_receive_attempt WHERE incarnation = ? AND expires_at <= ?", incarnation,
                    micros(now));
            return swept;
        }).exceptionally(failure -> {
            LOG.log(System.Logger.Level.WARNING, "sweeping " + key + " failed (the next sweep tries again): "
                    + failure);
            return 0;
        }));
    }

    // ---- deleting and visibility ---------------------------------------------------------------------------------

    @Override
    public CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now) {
        return transactions.run(c -> {
            QueueRecord queue = cachedQueue(c, key);
            long cutoff = retentionCutoff(queue, now);
            try (PreparedStatement find = c.prepareStatement("SELECT receive_count, visible_at FROM postbox_message"
                    + " WHERE incarnation = ? AND sequence = ? AND retained_from > ? FOR UPDATE")) {
                find.setLong(1, queue.incarnation());
                find.setLong(2, sequence);
                find.setLong(3, cutoff);
                try (ResultSet rs = find.executeQuery()) {
                    if (!rs.next()) {
                        return DeleteOutcome.NOT_FOUND;
                    }
                    if (rs.getInt(1) != receiveCount) {
                        return DeleteOutcome.STALE_RECEIPT;
                    }
                    if (queue.fifo() && rs.getLong(2) <= micros(now)) {
                        return DeleteOutcome.EXPIRED;
                    }
                }
            }
            update(c, "DELETE FROM postbox_message WHERE incarnation = ? AND sequence = ?", queue.incarnation(),
                    sequence);
            groupHeadsMayHaveMoved(queue, now);
            return DeleteOutcome.DELETED;
        });
    }

    /**
     * A DeleteMessageBatch in one statement, committed as it runs: it locks the messages the receipts name, deletes
     * those at least one receipt may delete (its receive count current; a FIFO message still in flight), and
     * returns what it found, so that each receipt gets the outcome a delete of its own would have.
     */
    @Override
    public List<CompletableFuture<DeleteOutcome>> deleteAll(QueueKey key, List<Receipt> receipts, Instant now) {
        CompletableFuture<List<DeleteOutcome>> all = transactions.run(c -> {
            QueueRecord queue = cachedQueue(c, key);
            long cutoff = retentionCutoff(queue, now);
            Transactions.commitEachStatement(c);
            Map<Long, long[]> found = new java.util.HashMap<>(); // sequence -> {receive count, visible at}
            // sequence = ANY(array) keeps both scans on the primary key (a join with the unnested receipts let the
            // planner scan the whole queue instead).
            try (PreparedStatement delete = c.prepareStatement("""
                    WITH found AS (
                        SELECT sequence, receive_count, visible_at FROM postbox_message
                        WHERE incarnation = ? AND sequence = ANY(?) AND retained_from > ?
                        FOR UPDATE),
                    gone AS (
                        DELETE FROM postbox_message m
                        USING found f, unnest(?::bigint[], ?::int[]) AS r(sequence, receive_count)
                        WHERE m.incarnation = ? AND m.sequence = ANY(?) AND m.sequence = f.sequence
                          AND r.sequence = f.sequence AND r.receive_count = f.receive_count
                          AND NOT (? AND f.visible_at <= ?)
                        RETURNING m.sequence)
                    SELECT sequence, receive_count, visible_at FROM found
                    """)) {
                Array sequences = longs(c, receipts.stream().map(Receipt::sequence).toList());
                delete.setLong(1, queue.incarnation());
                delete.setArray(2, sequences);
                delete.setLong(3, cutoff);
                delete.setArray(4, sequences);
                delete.setArray(5, c.createArrayOf("int", receipts.stream().map(Receipt::receiveCount).toArray()));
                delete.setLong(6, queue.incarnation());
                delete.setArray(7, sequences);
                delete.setBoolean(8, queue.fifo());
                delete.setLong(9, micros(now));
                try (ResultSet rs = delete.executeQuery()) {
                    while (rs.next()) {
                        found.put(rs.getLong(1), new long[]{rs.getInt(2), rs.getLong(3)});
                    }
                }
            }
            List<DeleteOutcome> outcomes = new ArrayList<>(receipts.size());
            List<Long> deleted = new ArrayList<>();
            for (Receipt receipt : receipts) {
                long[] message = found.get(receipt.sequence());
                DeleteOutcome outcome;
                if (message == null || deleted.contains(receipt.sequence())) {
                    outcome = DeleteOutcome.NOT_FOUND;
                } else if (message[0] != receipt.receiveCount()) {
                    outcome = DeleteOutcome.STALE_RECEIPT;
                } else if (queue.fifo() && message[1] <= micros(now)) {
                    outcome = DeleteOutcome.EXPIRED;
                } else {
                    outcome = DeleteOutcome.DELETED;
                    deleted.add(receipt.sequence());
                }
                outcomes.add(outcome);
            }
            if (!deleted.isEmpty()) {
                groupHeadsMayHaveMoved(queue, now);
            }
            return outcomes;
        });
        List<CompletableFuture<DeleteOutcome>> each = new ArrayList<>(receipts.size());
        for (int i = 0; i < receipts.size(); i++) {
            int index = i;
            each.add(all.thenApply(outcomes -> outcomes.get(index)));
        }
        return each;
    }

    @Override
    public CompletableFuture<Boolean> changeVisibility(QueueKey key, long sequence, int receiveCount,
                                                       Instant visibleAt, Instant now) {
        Instant at = visibleAt.isAfter(now) ? visibleAt : now;
        return transactions.run(c -> {
            QueueRecord queue = cachedQueue(c, key);
            long cutoff = retentionCutoff(queue, now);
            // Its latest receipt, or an earlier one while the message is in flight (AWS accepts that).
            try (PreparedStatement change = c.prepareStatement("UPDATE postbox_message SET visible_at = ?"
                    + " WHERE incarnation = ? AND sequence = ? AND retained_from > ? AND (receive_count = ?"
                    + " OR receive_count > ? AND visible_at > ?)")) {
                change.setLong(1, micros(at));
                change.setLong(2, queue.incarnation());
                change.setLong(3, sequence);
                change.setLong(4, cutoff);
                change.setInt(5, receiveCount);
                change.setInt(6, receiveCount);
                change.setLong(7, micros(now));
                boolean changed = change.executeUpdate() == 1;
                if (changed) {
                    hintOtherNodes(key, at);
                }
                return changed;
            }
        }).whenComplete((changed, failure) -> {
            if (Boolean.TRUE.equals(changed)) {
                waiters.visibleAt(key, at, now);
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> purge(QueueKey key, Instant now, Instant notPurgedSince) {
        return transactions.run(c -> {
            long incarnation;
            try (PreparedStatement lock = c.prepareStatement("SELECT incarnation, purged_at FROM postbox_queue"
                    + " WHERE account = ? AND name = ? FOR UPDATE")) {
                lock.setString(1, key.accountId());
                lock.setString(2, key.name());
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next()) {
                        throw SqsException.queueDoesNotExist();
                    }
                    incarnation = rs.getLong(1);
                    long purgedAt = rs.getLong(2);
                    if (!rs.wasNull() && purgedAt > micros(notPurgedSince)) {
                        return false;
                    }
                }
            }
            for (String table : List.of("postbox_message", "postbox_fifo_group", "postbox_dedup")) {
                update(c, "DELETE FROM " + table + " WHERE incarnation = ?", incarnation);
            }
            update(c, "UPDATE postbox_queue SET purged_at = ? WHERE incarnation = ?", micros(now), incarnation);
            return true;
        });
    }

    @Override
    public CompletableFuture<Long> inFlight(QueueKey key, Instant now, long atMost) {
        return transactions.run(c -> {
            QueueRecord queue = cachedQueue(c, key);
            // Only the tail of the visibility index (visible later than now: in flight or delayed), not the queue.
            try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM postbox_message"
                    + " WHERE incarnation = ? AND visible_at > ? AND receive_count > 0 AND retained_from > ?"
                    + " LIMIT ?) in_flight")) {
                count.setLong(1, queue.incarnation());
                count.setLong(2, micros(now));
                count.setLong(3, retentionCutoff(queue, now));
                count.setLong(4, atMost);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public CompletableFuture<QueueCounts> counts(QueueKey key, Instant now) {
        return transactions.run(c -> {
            QueueRecord queue = queue(c, key, false).orElseThrow(SqsException::queueDoesNotExist);
            long cutoff = retentionCutoff(queue, now);
            try (PreparedStatement count = c.prepareStatement("SELECT count(*) FILTER (WHERE visible_at <= ?),"
                    + " count(*) FILTER (WHERE visible_at > ? AND receive_count > 0),"
                    + " count(*) FILTER (WHERE visible_at > ? AND receive_count = 0)"
                    + " FROM postbox_message WHERE incarnation = ? AND retained_from > ?")) {
                long nowMicros = micros(now);
                count.setLong(1, nowMicros);
                count.setLong(2, nowMicros);
                count.setLong(3, nowMicros);
                count.setLong(4, queue.incarnation());
                count.setLong(5, cutoff);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    return new QueueCounts(rs.getLong(1), rs.getLong(2), rs.getLong(3));
                }
            }
        });
    }

    /**
     * Registers the poll, then looks (off the caller's thread) for when a message of the queue becomes visible: now
     * wakes it, later rings its alarm then. A change on this node wakes it or moves its alarm earlier.
     */
    @Override
    public void whenReceivable(QueueKey key, Instant deadline, Instant now, Timer timer, Runnable wake) {
        look(key, waiters.register(key, deadline, timer, wake), now);
    }

    /**
     * Wakes the waiter if a message is receivable {@code now}, else sets its alarm for the earliest one to come.
     * Without hints from other nodes (poll-only mode) it looks again every poll interval until the waiter is done.
     */
    private void look(QueueKey key, LocalWaiters.Waiter waiter, Instant now) {
        if (waiter.done()) {
            return;
        }
        transactions.run(c -> {
            Optional<QueueRecord> queue = cache.get(key, () -> storedQueue(c, key)).map(StoredQueue::record);
            if (queue.isEmpty()) {
                return Optional.<Instant>of(Instant.MIN);
            }
            long cutoff = retentionCutoff(queue.get(), now);
            // FIFO: a group's messages behind its head wait for the head, so only heads count (one probe per group).
            try (PreparedStatement earliest = c.prepareStatement(queue.get().fifo()
                    ? "SELECT min(head.visible_at) FROM postbox_fifo_group g CROSS JOIN LATERAL (SELECT m.visible_at"
                    + " FROM postbox_message m WHERE m.incarnation = g.incarnation AND m.group_id = g.group_id"
                    + " AND m.retained_from > ? ORDER BY m.sequence LIMIT 1) head WHERE g.incarnation = ?"
                    : "SELECT min(visible_at) FROM postbox_message WHERE retained_from > ? AND incarnation = ?")) {
                earliest.setLong(1, cutoff);
                earliest.setLong(2, queue.get().incarnation());
                try (ResultSet rs = earliest.executeQuery()) {
                    rs.next();
                    long at = rs.getLong(1);
                    return rs.wasNull() ? Optional.<Instant>empty() : Optional.of(instant(at));
                }
            }
        }).whenComplete((earliest, failure) -> {
            if (failure != null || earliest.isPresent() && !earliest.get().isAfter(now)) {
                waiter.fire(); // receivable now, queue gone, or the store unreachable: the caller finds out
                return;
            }
            earliest.ifPresent(waiter::alarm);
            Instant next = now.plus(pollInterval);
            if (hints == null && next.isBefore(waiter.deadline())) {
                waiter.lookAgainAt(next, () -> look(key, waiter, next));
            }
        });
    }

    // ---- message move tasks --------------------------------------------------------------------------------------

    private static final String TASK_COLUMNS = "task_id, source_arn, destination_arn, max_per_second, to_move,"
            + " moved, started_at, status, failure_reason";

    @Override
    public CompletableFuture<Optional<MoveTask>> startMoveTask(MoveTask task) {
        return transactions.run(c -> {
            // One active task per source: serialise starts of the same source on an advisory transaction lock.
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, task.sourceArn());
                lock.executeQuery().close();
            }
            List<MoveTask> history = moveTasks(c, task.sourceArn());
            if (history.stream().anyMatch(t -> t.status().active())) {
                return Optional.<MoveTask>empty();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO postbox_move_task (" + TASK_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bindTask(insert, task);
                insert.executeUpdate();
            }
            // A source keeps its ten most recent tasks.
            for (MoveTask old : history.subList(Math.min(history.size(), 9), history.size())) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM postbox_move_task WHERE task_id = ?")) {
                    delete.setString(1, old.taskId());
                    delete.executeUpdate();
                }
            }
            return Optional.of(task);
        });
    }

    @Override
    public CompletableFuture<List<MoveTask>> moveTasks(String sourceArn) {
        return transactions.run(c -> moveTasks(c, sourceArn));
    }

    @Override
    public CompletableFuture<Optional<MoveTask>> updateMoveTask(String sourceArn, String taskId,
                                                                UnaryOperator<MoveTask> change) {
        return transactions.run(c -> {
            MoveTask current;
            try (PreparedStatement find = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM postbox_move_task"
                    + " WHERE task_id = ? AND source_arn = ? FOR UPDATE")) {
                find.setString(1, taskId);
                find.setString(2, sourceArn);
                List<MoveTask> found = tasks(find);
                if (found.isEmpty()) {
                    return Optional.<MoveTask>empty();
                }
                current = found.getFirst();
            }
            MoveTask changed = change.apply(current);
            update(c, "DELETE FROM postbox_move_task WHERE task_id = ?", taskId);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO postbox_move_task (" + TASK_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bindTask(insert, changed);
                insert.executeUpdate();
            }
            return Optional.of(changed);
        });
    }

    @Override
    public CompletableFuture<List<MoveTask>> activeMoveTasks() {
        return transactions.run(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM postbox_move_task"
                    + " WHERE status IN ('RUNNING', 'CANCELLING')")) {
                return tasks(select);
            }
        });
    }

    private static List<MoveTask> moveTasks(Connection c, String sourceArn) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM postbox_move_task"
                + " WHERE source_arn = ? ORDER BY started_at DESC LIMIT 10")) {
            select.setString(1, sourceArn);
            return tasks(select);
        }
    }

    private static List<MoveTask> tasks(PreparedStatement select) throws SQLException {
        List<MoveTask> tasks = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                int perSecond = rs.getInt(4);
                Integer maxPerSecond = rs.wasNull() ? null : perSecond;
                tasks.add(new MoveTask(rs.getString(1), rs.getString(2), rs.getString(3), maxPerSecond,
                        rs.getLong(5), rs.getLong(6), instant(rs.getLong(7)), MoveTask.Status.valueOf(rs.getString(8)),
                        rs.getString(9)));
            }
        }
        return tasks;
    }

    private static void bindTask(PreparedStatement insert, MoveTask task) throws SQLException {
        insert.setString(1, task.taskId());
        insert.setString(2, task.sourceArn());
        insert.setString(3, task.destinationArn());
        if (task.maxNumberOfMessagesPerSecond() == null) {
            insert.setNull(4, Types.INTEGER);
        } else {
            insert.setInt(4, task.maxNumberOfMessagesPerSecond());
        }
        insert.setLong(5, task.toMove());
        insert.setLong(6, task.moved());
        insert.setLong(7, micros(task.startedAt()));
        insert.setString(8, task.status().name());
        insert.setString(9, task.failureReason());
    }

    // ---- the store -----------------------------------------------------------------------------------------------

    @Override
    public byte[] receiptHandleSecret() {
        return receiptHandleSecret.clone();
    }

    /** The receipt-handle key every node shares, made by the first node that needs it. */
    private static byte[] receiptHandleSecret(Connection c) throws SQLException {
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO postbox_setting VALUES ('receipt-handle-key',"
                + " ?) ON CONFLICT (name) DO NOTHING")) {
            insert.setBytes(1, fresh);
            insert.executeUpdate();
        }
        try (PreparedStatement select = c.prepareStatement(
                "SELECT value FROM postbox_setting WHERE name = 'receipt-handle-key'")) {
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        }
    }

    @Override
    public void wakeAllWaiters() {
        waiters.closeAll();
    }

    @Override
    public void close() {
        wakeAllWaiters();
        if (hints != null) {
            hints.close();
        }
        transactions.close();
        onClose.run();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static Optional<QueueRecord> queue(Connection c, QueueKey key, boolean lock) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM postbox_queue"
                + " WHERE account = ? AND name = ?" + (lock ? " FOR UPDATE" : ""))) {
            select.setString(1, key.accountId());
            select.setString(2, key.name());
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
        }
    }

    /** A step's work on one queue, given the queue. */
    @FunctionalInterface
    private interface QueueStep<T> {
        T run(StoredQueue queue) throws SQLException;
    }

    /**
     * Runs {@code body} on the queue as cached ({@link QueueCache}); when the body finds that queue gone (it throws
     * {@link QueueCache.StaleQueue} before it changed anything), once more on the queue read afresh.
     */
    private <T> T withQueue(Connection c, QueueKey key, QueueStep<T> body) throws SQLException {
        StoredQueue queue = cache.get(key, () -> storedQueue(c, key)).orElseThrow(SqsException::queueDoesNotExist);
        try {
            return body.run(queue);
        } catch (QueueCache.StaleQueue stale) {
            StoredQueue fresh = cache.load(key, () -> storedQueue(c, key))
                    .orElseThrow(SqsException::queueDoesNotExist);
            try {
                return body.run(fresh);
            } catch (QueueCache.StaleQueue deletedMeanwhile) {
                throw SqsException.queueDoesNotExist();
            }
        }
    }

    /**
     * The queue as cached, for steps that find nothing of a queue deleted meanwhile (its rows went with it): a
     * stale copy makes them answer as for a message already gone.
     */
    private QueueRecord cachedQueue(Connection c, QueueKey key) throws SQLException {
        return cache.get(key, () -> storedQueue(c, key)).orElseThrow(SqsException::queueDoesNotExist).record();
    }

    /** This step changes the queue's row: no cached copy of it outlives the step's commit. */
    private void forgetQueue(QueueKey key) {
        cache.forget(key);
        transactions.afterCommit(() -> cache.forget(key));
    }

    /**
     * A delete from a FIFO queue may have unblocked its group (the next message is now its head): once committed,
     * polls on this node and the others look again.
     */
    private void groupHeadsMayHaveMoved(QueueRecord queue, Instant now) {
        if (queue.fifo()) {
            transactions.afterCommit(() -> waiters.wakeAll(queue.key()));
            hintOtherNodes(queue.key(), now);
        }
    }

    /** Once this step's transaction committed: other nodes' polls on the queue look again at {@code at}. */
    private void hintOtherNodes(QueueKey key, Instant at) {
        if (hints != null) {
            transactions.afterCommit(() -> hints.send(key, at));
        }
    }

    /** The queue with whether its tenants take turns (db/postbox/V2), read from the database. */
    private static Optional<StoredQueue> storedQueue(Connection c, QueueKey key) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + ", tenanted FROM postbox_queue"
                + " WHERE account = ? AND name = ?")) {
            select.setString(1, key.accountId());
            select.setString(2, key.name());
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(new StoredQueue(record(rs), rs.getBoolean(10))) : Optional.empty();
            }
        }
    }

    /** A message with a group id came to a standard queue: from now on its tenants take turns. */
    private void markTenanted(Connection c, QueueRecord queue, MessageData data) throws SQLException {
        if (!queue.fifo() && data.groupId() != null && update(c, "UPDATE postbox_queue SET tenanted = true"
                + " WHERE incarnation = ? AND NOT tenanted", queue.incarnation()) > 0) {
            forgetQueue(queue.key());
        }
    }

    private static QueueRecord record(ResultSet rs) throws SQLException {
        return new QueueRecord(new QueueKey(rs.getString(1), rs.getString(2)), rs.getLong(3), rs.getBoolean(4),
                map(rs.getString(5)), map(rs.getString(6)), instant(rs.getLong(7)), instant(rs.getLong(8)));
    }

    private static int update(Connection c, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }

    private static Array longs(Connection c, List<Long> values) throws SQLException {
        return c.createArrayOf("bigint", values.toArray());
    }

    private static String json(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
    }

    private static Map<String, String> map(String json) {
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
}
