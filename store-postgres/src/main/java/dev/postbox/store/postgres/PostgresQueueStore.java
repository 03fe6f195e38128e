package dev.postbox.store.postgres;

import dev.postbox.core.Limits;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.MoveTask;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.core.time.Timer;
import dev.postbox.store.postgres.QueueCache.StoredQueue;

import javax.sql.DataSource;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import static dev.postbox.store.postgres.MessageRows.INSERT_MESSAGE;
import static dev.postbox.store.postgres.MessageRows.bindMessage;
import static dev.postbox.store.postgres.MessageRows.enterGroup;
import static dev.postbox.store.postgres.MessageRows.fifoSequenceNumber;
import static dev.postbox.store.postgres.MessageRows.lockFifoSequence;
import static dev.postbox.store.postgres.MessageRows.nextFifoSequence;
import static dev.postbox.store.postgres.Rows.QUEUE_COLUMNS;
import static dev.postbox.store.postgres.Rows.bind;
import static dev.postbox.store.postgres.Rows.instant;
import static dev.postbox.store.postgres.Rows.json;
import static dev.postbox.store.postgres.Rows.longs;
import static dev.postbox.store.postgres.Rows.micros;
import static dev.postbox.store.postgres.Rows.record;
import static dev.postbox.store.postgres.Rows.retentionCutoff;
import static dev.postbox.store.postgres.Rows.storedQueue;
import static dev.postbox.store.postgres.Rows.update;

/**
 * The store that lives in PostgreSQL: every piece of SQS state in tables (schema: {@code db/postbox/V1}), so that
 * any number of nodes can serve the same queues. Each step is one transaction ({@link Transactions}); a receive of a
 * standard queue without a redrive rule is one statement ({@code UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)}).
 *
 * <p>Concurrency across nodes: receives claim messages with {@code FOR UPDATE SKIP LOCKED} and own them by moving
 * {@code visible_at} (a lease), never by holding locks; FIFO receives lock the groups they serve the same way, so a
 * group is served by one receive at a time; FIFO sends lock their queue's row, which orders sequence numbers and
 * makes deduplication atomic. Time is the caller's ({@code now}), in epoch microseconds.
 *
 * <p>This class holds queues, sends, deletes, visibility, counts and long polls; receives are {@link Receiving}'s,
 * move tasks {@link MoveTaskRows}', FIFO receive attempts {@link ReceiveAttempts}'; {@link Rows} and
 * {@link MessageRows} are the row reading and writing they share.
 */
public final class PostgresQueueStore implements QueueStore {
    private final Transactions transactions;
    private final LocalWaiters waiters = new LocalWaiters();
    /** Null in poll-only mode. */
    private final ReceivableHints hints;
    private final Duration pollInterval;
    private final QueueCache cache = new QueueCache();
    private final Receiving receiving;
    private final Coalescer<QueueKey, Items<NewMessage>, List<Sent>> sends = new Coalescer<>(Coalescer.PARALLEL,
            Coalescer.MAX_REQUESTS, this::sendTogether);
    private final Coalescer<QueueKey, Items<Receipt>, List<DeleteOutcome>> deletes = new Coalescer<>(Coalescer.PARALLEL,
            Coalescer.MAX_REQUESTS, this::deleteTogether);
    private final byte[] receiptHandleSecret;

    private final Runnable onClose;
    private final StaleStatistics statistics;

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
        this.receiving = new Receiving(transactions, cache, hints);
        this.statistics = StaleStatistics.start(dataSource);
    }

    // ---- queues --------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<CreateOutcome> createQueue(QueueRecord proposed, Instant nameFreeSince) {
        return transactions.run(c -> {
            Optional<QueueRecord> existing = Rows.queue(c, proposed.key(), false);
            if (existing.isPresent()) {
                return new CreateOutcome(existing.get(), CreateOutcome.Status.EXISTS);
            }
            try (PreparedStatement freed = c.prepareStatement(
                    "SELECT freed_at FROM postbox_freed_name WHERE " + Rows.KEY_MATCHES)) {
                Rows.bindKey(freed, 1, proposed.key());
                try (ResultSet rs = freed.executeQuery()) {
                    if (rs.next() && rs.getLong(1) > micros(nameFreeSince)) {
                        return new CreateOutcome(null, CreateOutcome.Status.NAME_RECENTLY_DELETED);
                    }
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO postbox_queue (" + QUEUE_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (region, account, name) DO NOTHING")) {
                int next = Rows.bindKey(insert, 1, proposed.key());
                insert.setLong(next, proposed.incarnation());
                insert.setBoolean(next + 1, proposed.fifo());
                insert.setString(next + 2, json(proposed.attributes()));
                insert.setString(next + 3, json(proposed.tags()));
                insert.setLong(next + 4, micros(proposed.createdAt()));
                insert.setLong(next + 5, micros(proposed.lastModifiedAt()));
                if (insert.executeUpdate() == 0) { // another node created it meanwhile
                    return new CreateOutcome(Rows.queue(c, proposed.key(), false).orElseThrow(),
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
    public CompletableFuture<List<QueueRecord>> queues(String region, String accountId, String namePrefix) {
        return transactions.run(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM postbox_queue"
                    + " WHERE region = ? AND account = ? AND starts_with(name, ?) ORDER BY name COLLATE \"C\"")) {
                select.setString(1, region);
                select.setString(2, accountId);
                select.setString(3, namePrefix == null ? "" : namePrefix);
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
    public CompletableFuture<List<PeekedMessage>> peek(QueueKey key, long afterSequence, int limit, Instant now) {
        return transactions.run(c -> {
            QueueRecord queue = Rows.queue(c, key, false).orElseThrow(SqsException::queueDoesNotExist);
            try (PreparedStatement select = c.prepareStatement("SELECT sequence, sequence_number, retained_from,"
                    + " visible_at, receive_count, first_received_at, payload FROM postbox_message"
                    + " WHERE incarnation = ? AND sequence > ? AND retained_from > ? ORDER BY sequence LIMIT ?")) {
                select.setLong(1, queue.incarnation());
                select.setLong(2, afterSequence);
                select.setLong(3, retentionCutoff(queue, now));
                select.setInt(4, limit);
                List<PeekedMessage> messages = new ArrayList<>();
                long nowMicros = micros(now);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        long visibleAt = rs.getLong(4);
                        long firstReceivedAt = rs.getLong(6);
                        Instant firstReceived = rs.wasNull() ? null : Rows.instant(firstReceivedAt);
                        messages.add(new PeekedMessage(MessageDataCodec.decode(rs.getBytes(7)), rs.getLong(1),
                                rs.getString(2), Rows.instant(rs.getLong(3)),
                                visibleAt <= nowMicros ? null : Rows.instant(visibleAt), rs.getInt(5), firstReceived));
                    }
                }
                return messages;
            }
        });
    }

    @Override
    public CompletableFuture<List<QueueRecord>> allQueues() {
        return transactions.run(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT " + QUEUE_COLUMNS + " FROM postbox_queue");
                 ResultSet rs = select.executeQuery()) {
                List<QueueRecord> records = new ArrayList<>();
                while (rs.next()) {
                    records.add(record(rs));
                }
                return records;
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> deleteQueue(QueueKey key, Instant now) {
        return transactions.run(c -> {
            Optional<QueueRecord> queue = Rows.queue(c, key, true);
            forgetQueue(key);
            if (queue.isEmpty()) {
                return false;
            }
            long incarnation = queue.get().incarnation();
            receiving.forget(key, incarnation);
            for (String table : List.of("postbox_message", "postbox_fifo_group", "postbox_dedup",
                    "postbox_receive_attempt")) {
                update(c, "DELETE FROM " + table + " WHERE incarnation = ?", incarnation);
            }
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM postbox_queue WHERE " + Rows.KEY_MATCHES)) {
                Rows.bindKey(delete, 1, key);
                delete.executeUpdate();
            }
            hintOtherNodes(key, now); // polls on other nodes end: their queue is gone
            try (PreparedStatement freed = c.prepareStatement("INSERT INTO postbox_freed_name"
                    + " (region, account, name, freed_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (region, account, name) DO UPDATE SET freed_at = EXCLUDED.freed_at")) {
                freed.setLong(Rows.bindKey(freed, 1, key), micros(now));
                freed.executeUpdate();
            }
            return true;
        }).whenComplete((deleted, failure) -> waiters.wakeAll(key));
    }

    @Override
    public CompletableFuture<QueueRecord> updateQueue(QueueKey key, UnaryOperator<QueueRecord> change) {
        return transactions.run(c -> {
            QueueRecord current = Rows.queue(c, key, true).orElseThrow(SqsException::queueDoesNotExist);
            forgetQueue(key);
            QueueRecord changed = change.apply(current);
            try (PreparedStatement update = c.prepareStatement("UPDATE postbox_queue SET attributes = ?, tags = ?,"
                    + " modified_at = ? WHERE " + Rows.KEY_MATCHES)) {
                update.setString(1, json(changed.attributes()));
                update.setString(2, json(changed.tags()));
                update.setLong(3, micros(changed.lastModifiedAt()));
                Rows.bindKey(update, 4, key);
                update.executeUpdate();
            }
            return changed;
        });
    }

    // ---- sending -------------------------------------------------------------------------------------------------

    /** Sends that meet go as one step: their messages in the order the sends arrived, as sent one after another. */
    @Override
    public CompletableFuture<List<Sent>> send(QueueKey key, List<NewMessage> messages, Instant now) {
        return sends.submit(key, new Items<>(messages, now));
    }

    /** One of the requests that go together (a send's messages, a delete's receipts), with its "now". */
    private record Items<T>(List<T> items, Instant now) {
    }

    /**
     * The requests' items as one step, in the order the requests arrived, at the latest "now" of theirs (the others'
     * is earlier by their wait); each request's answers, in order.
     */
    private static <T, R> CompletableFuture<List<List<R>>> asOneStep(
            List<Items<T>> together, BiFunction<List<T>, Instant, CompletableFuture<List<R>>> step) {
        Instant now = together.stream().map(Items::now).max(Comparator.naturalOrder()).orElseThrow();
        List<T> items = together.stream().flatMap(one -> one.items().stream()).toList();
        return step.apply(items, now).thenApply(answers -> {
            List<List<R>> each = new ArrayList<>(together.size());
            int next = 0;
            for (Items<T> one : together) {
                each.add(List.copyOf(answers.subList(next, next + one.items().size())));
                next += one.items().size();
            }
            return each;
        });
    }

    /** Sends that meet go as one step (of any queue: on a FIFO queue too, they are as if sent one after another). */
    private CompletableFuture<List<List<Sent>>> sendTogether(QueueKey key, List<Items<NewMessage>> together) {
        return asOneStep(together, (messages, now) -> sendAlone(key, messages, now));
    }

    private CompletableFuture<List<Sent>> sendAlone(QueueKey key, List<NewMessage> messages, Instant now) {
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
        // One statement; marking tenants stands on its own.
        Transactions.commitEachStatement(c);
        if (!MessageRows.insertStandard(c, queue.incarnation(), messages)) {
            throw new QueueCache.StaleQueue();
        }
        if (!stored.tenanted()) {
            for (NewMessage message : messages) {
                if (message.data().groupId() != null) {
                    if (Rows.markTenanted(c, queue, message.data())) {
                        forgetQueue(queue.key());
                    }
                    break;
                }
            }
        }
        return messages.stream().map(message -> new Sent(message.data().messageId(), null, false)).toList();
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

    // ---- receiving (Receiving) ----------------------------------------------------------------------------------

    @Override
    public CompletableFuture<List<Delivery>> receive(QueueKey key, Receive receive, Instant now) {
        return receiving.receive(key, receive, now);
    }

    // ---- deleting and visibility ---------------------------------------------------------------------------------

    @Override
    public CompletableFuture<DeleteOutcome> delete(QueueKey key, long sequence, int receiveCount, Instant now) {
        if (cache.cachedAsStandard(key)) {
            return deletes.submit(key, new Items<>(List.of(new Receipt(sequence, receiveCount)), now))
                    .thenApply(List::getFirst);
        }
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
        CompletableFuture<List<DeleteOutcome>> all = cache.cachedAsStandard(key)
                ? deletes.submit(key, new Items<>(receipts, now)) : deleteAlone(key, receipts, now);
        List<CompletableFuture<DeleteOutcome>> each = new ArrayList<>(receipts.size());
        for (int i = 0; i < receipts.size(); i++) {
            int index = i;
            each.add(all.thenApply(outcomes -> outcomes.get(index)));
        }
        return each;
    }

    /**
     * Deletes that meet go as one statement, as if one after another (a message two of them name is deleted by the
     * first). Only a standard queue's: there "now" only decides whether a message outlived its retention period.
     */
    private CompletableFuture<List<List<DeleteOutcome>>> deleteTogether(QueueKey key, List<Items<Receipt>> together) {
        return asOneStep(together, (receipts, now) -> deleteAlone(key, receipts, now));
    }

    /** How many steps the coalesced operations ran, each for one or more requests (for tests). */
    record Steps(long sends, long receives, long deletes) {
    }

    Steps steps() {
        return new Steps(sends.steps(), receiving.receiveSteps(), deletes.steps());
    }

    /**
     * DeleteMessageBatch (and the deletes that go together): the receipts' messages, locked, each with its receive
     * count and {@code visible_at}; those whose receipt is current (and, in a FIFO queue, whose visibility timeout has
     * not expired) deleted, and whether each was. The deleted rows are found again by their ctid, a TID scan whatever
     * the statistics (as in the receive; stable while the row is locked). The lookup by sequence keeps to the primary
     * key with {@code sequence = ANY(array)} (a join with the unnested receipts let the planner scan the whole queue
     * instead). A row changed by a transaction that committed after this statement's snapshot is locked in its newest
     * version, which the TID scan cannot see: it is found but not deleted ({@link #deleteAlone} asks again).
     */
    static final String DELETE_BATCH = """
            WITH found AS (
                SELECT ctid, sequence, receive_count, visible_at FROM postbox_message
                WHERE incarnation = ? AND sequence = ANY(?) AND retained_from > ?
                FOR UPDATE),
            gone AS (
                DELETE FROM postbox_message m
                WHERE m.ctid = ANY(ARRAY(
                    SELECT f.ctid FROM found f JOIN unnest(?::bigint[], ?::int[]) AS r(sequence, receive_count)
                        ON r.sequence = f.sequence AND r.receive_count = f.receive_count
                    WHERE NOT (? AND f.visible_at <= ?)))
                RETURNING m.sequence)
            SELECT f.sequence, f.receive_count, f.visible_at, g.sequence IS NOT NULL AS deleted
            FROM found f LEFT JOIN gone g USING (sequence)
            """;
    /** How many times a delete batch asks again for rows changed under it before it gives up (retryably). */
    private static final int DELETE_ROUNDS = 3;

    /** A message {@link #DELETE_BATCH} found: its receive count and {@code visible_at}, and whether it was deleted. */
    private record Found(int receiveCount, long visibleAt, boolean deleted) {
    }

    private CompletableFuture<List<DeleteOutcome>> deleteAlone(QueueKey key, List<Receipt> receipts, Instant now) {
        return transactions.run(c -> {
            QueueRecord queue = cachedQueue(c, key);
            long cutoff = retentionCutoff(queue, now);
            Transactions.commitEachStatement(c);
            Map<Long, Found> found = new java.util.HashMap<>();
            List<Receipt> asked = receipts;
            for (int round = 1; !asked.isEmpty(); round++) {
                if (round > DELETE_ROUNDS) { // the earlier rounds' deletes stand; a retry finds those messages gone
                    throw new SqsException(ErrorCode.SERVICE_UNAVAILABLE,
                            "The messages changed while they were being deleted. Please retry the request.");
                }
                Map<Long, Found> seen = deleteBatch(c, queue, cutoff, asked, now);
                asked.forEach(receipt -> found.remove(receipt.sequence()));
                found.putAll(seen);
                asked = asked.stream().filter(receipt -> {
                    Found message = seen.get(receipt.sequence());
                    return message != null && !message.deleted() && outcome(queue, receipt, message, now)
                            == DeleteOutcome.DELETED;
                }).toList();
            }
            List<DeleteOutcome> outcomes = new ArrayList<>(receipts.size());
            java.util.Set<Long> deleted = new java.util.HashSet<>();
            for (Receipt receipt : receipts) {
                Found message = found.get(receipt.sequence());
                DeleteOutcome outcome = message == null || deleted.contains(receipt.sequence())
                        ? DeleteOutcome.NOT_FOUND : outcome(queue, receipt, message, now);
                if (outcome == DeleteOutcome.DELETED) {
                    deleted.add(receipt.sequence());
                }
                outcomes.add(outcome);
            }
            if (!deleted.isEmpty()) {
                groupHeadsMayHaveMoved(queue, now);
            }
            return outcomes;
        });
    }

    /** {@link #DELETE_BATCH} for these receipts: what it found, by sequence. */
    private static Map<Long, Found> deleteBatch(Connection c, QueueRecord queue, long cutoff, List<Receipt> receipts,
                                                Instant now) throws SQLException {
        Map<Long, Found> found = new java.util.HashMap<>();
        try (PreparedStatement delete = c.prepareStatement(DELETE_BATCH)) {
            Array sequences = longs(c, receipts.stream().map(Receipt::sequence).toList());
            bind(delete, 1, queue.incarnation(), sequences, cutoff, sequences,
                    c.createArrayOf("int", receipts.stream().map(Receipt::receiveCount).toArray()),
                    queue.fifo(), micros(now));
            try (ResultSet rs = delete.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getLong(1), new Found(rs.getInt(2), rs.getLong(3), rs.getBoolean(4)));
                }
            }
        }
        return found;
    }

    /** What a receipt does to the message it names (as found): deleted, or why not. */
    private static DeleteOutcome outcome(QueueRecord queue, Receipt receipt, Found message, Instant now) {
        if (message.receiveCount() != receipt.receiveCount()) {
            return DeleteOutcome.STALE_RECEIPT;
        }
        if (queue.fifo() && message.visibleAt() <= micros(now)) {
            return DeleteOutcome.EXPIRED;
        }
        return DeleteOutcome.DELETED;
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
                    + " WHERE " + Rows.KEY_MATCHES + " FOR UPDATE")) {
                Rows.bindKey(lock, 1, key);
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
            QueueRecord queue = Rows.queue(c, key, false).orElseThrow(SqsException::queueDoesNotExist);
            long cutoff = retentionCutoff(queue, now);
            try (PreparedStatement count = c.prepareStatement("SELECT count(*) FILTER (WHERE visible_at <= ?),"
                    + " count(*) FILTER (WHERE visible_at > ? AND receive_count > 0),"
                    + " count(*) FILTER (WHERE visible_at > ? AND receive_count = 0), min(retained_from)"
                    + " FROM postbox_message WHERE incarnation = ? AND retained_from > ?")) {
                long nowMicros = micros(now);
                count.setLong(1, nowMicros);
                count.setLong(2, nowMicros);
                count.setLong(3, nowMicros);
                count.setLong(4, queue.incarnation());
                count.setLong(5, cutoff);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    long oldest = rs.getLong(4);
                    return new QueueCounts(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                            rs.wasNull() ? null : Rows.instant(oldest));
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
     * The earliest {@code visible_at} of a standard queue's messages from {@code floor} on (the receives' {@link
     * ReceiveFloors floor}: the entries below it are mostly dead ones the receives left). The first entry of the
     * visibility index in its order: with sorts disabled no other plan is left, whatever the statistics say (as
     * {@code min(visible_at)}, a plan made with stale statistics read the whole queue by the group index, 45-55 ms at
     * 100,000 messages, measured).
     */
    static final String EARLIEST_VISIBLE = "SELECT visible_at FROM postbox_message"
            + " WHERE incarnation = ? AND visible_at >= ? AND retained_from > ? ORDER BY visible_at LIMIT 1";

    /** {@link #EARLIEST_VISIBLE}: when the queue's first message from {@code floor} on is or becomes visible. */
    private static Optional<Instant> earliestFrom(Connection c, long incarnation, long floor, long cutoff)
            throws SQLException {
        try (PreparedStatement earliest = c.prepareStatement(EARLIEST_VISIBLE)) {
            bind(earliest, 1, incarnation, floor, cutoff);
            try (ResultSet rs = earliest.executeQuery()) {
                return rs.next() ? Optional.of(instant(rs.getLong(1))) : Optional.empty();
            }
        }
    }

    /** A FIFO queue's earliest receivable moment: a group's messages behind its head wait for it (a probe a group). */
    private static Optional<Instant> earliestGroupHead(Connection c, long incarnation, long cutoff)
            throws SQLException {
        try (PreparedStatement earliest = c.prepareStatement("SELECT min(head.visible_at) FROM postbox_fifo_group g"
                + " CROSS JOIN LATERAL (SELECT m.visible_at FROM postbox_message m WHERE m.incarnation = g.incarnation"
                + " AND m.group_id = g.group_id AND m.retained_from > ? ORDER BY m.sequence LIMIT 1) head"
                + " WHERE g.incarnation = ?")) {
            bind(earliest, 1, cutoff, incarnation);
            try (ResultSet rs = earliest.executeQuery()) {
                rs.next();
                long at = rs.getLong(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(instant(at));
            }
        }
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
            long incarnation = queue.get().incarnation();
            if (queue.get().fifo()) {
                return earliestGroupHead(c, incarnation, cutoff);
            }
            long floor = receiving.floor(incarnation);
            Optional<Instant> earliest = earliestFrom(c, incarnation, floor, cutoff);
            return earliest.isEmpty() && floor != ReceiveFloors.NONE
                    ? earliestFrom(c, incarnation, ReceiveFloors.NONE, cutoff) : earliest;
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

    // ---- message move tasks (MoveTaskRows) ---------------------------------------------------------------------

    @Override
    public CompletableFuture<Optional<MoveTask>> startMoveTask(MoveTask task) {
        return transactions.run(c -> MoveTaskRows.start(c, task));
    }

    @Override
    public CompletableFuture<List<MoveTask>> moveTasks(String sourceArn) {
        return transactions.run(c -> MoveTaskRows.ofSource(c, sourceArn));
    }

    @Override
    public CompletableFuture<Optional<MoveTask>> updateMoveTask(String sourceArn, String taskId,
                                                                UnaryOperator<MoveTask> change) {
        return transactions.run(c -> MoveTaskRows.change(c, sourceArn, taskId, change));
    }

    @Override
    public CompletableFuture<List<MoveTask>> activeMoveTasks() {
        return transactions.run(MoveTaskRows::active);
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
        statistics.close();
        transactions.close();
        onClose.run();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

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
        cache.forgetAtCommit(key, transactions);
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
}
