package dev.postbox.store.postgres;

import dev.postbox.core.SqsException;
import dev.postbox.core.store.Delivery;
import dev.postbox.core.store.MessageData;
import dev.postbox.core.store.MessageDataCodec;
import dev.postbox.core.store.NewMessage;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore.Receive;
import dev.postbox.store.postgres.QueueCache.StoredQueue;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static dev.postbox.store.postgres.MessageRows.INSERT_MESSAGE;
import static dev.postbox.store.postgres.MessageRows.bindMessage;
import static dev.postbox.store.postgres.MessageRows.enterGroup;
import static dev.postbox.store.postgres.MessageRows.fifoSequenceNumber;
import static dev.postbox.store.postgres.MessageRows.lockFifoSequence;
import static dev.postbox.store.postgres.MessageRows.nextFifoSequence;
import static dev.postbox.store.postgres.Rows.bind;
import static dev.postbox.store.postgres.Rows.instant;
import static dev.postbox.store.postgres.Rows.longs;
import static dev.postbox.store.postgres.Rows.micros;
import static dev.postbox.store.postgres.Rows.queue;
import static dev.postbox.store.postgres.Rows.retentionCutoff;
import static dev.postbox.store.postgres.Rows.storedQueue;
import static dev.postbox.store.postgres.Rows.update;

/**
 * The postgres store's ReceiveMessage: standard queues in one statement (from the queue's {@link ReceiveFloors
 * floor}, or with tenants taking turns), with a redrive rule a claim and a statement per outcome, FIFO queues group by
 * group; and the sweep of expired messages that follows a queue's receives on each node.
 */
final class Receiving {
    private static final System.Logger LOG = System.getLogger(Receiving.class.getName());
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
                SELECT c.ctid, c.sequence, c.visible_at,
                    row_number() OVER (PARTITION BY t.group_id ORDER BY c.sequence) AS turn
                FROM tenants t CROSS JOIN LATERAL (
                    SELECT m.ctid, m.sequence, m.visible_at FROM postbox_message m
                    WHERE m.incarnation = ? AND m.group_id = t.group_id AND m.visible_at <= ? AND m.retained_from > ?
                    ORDER BY m.sequence LIMIT ? FOR UPDATE SKIP LOCKED) c
                WHERE t.group_id IS NOT NULL)
            """;

    private final Transactions transactions;
    private final QueueCache cache;
    /** Null in poll-only mode. */
    private final ReceivableHints hints;
    private final ReceiveFloors floors = new ReceiveFloors();
    private final Coalescer<Lane, Asked, List<Delivery>> together = new Coalescer<>(Coalescer.PARALLEL,
            Coalescer.MAX_REQUESTS, this::receiveTogether);
    /** When this node last swept each queue, on the callers' clock. */
    private final Map<QueueKey, Instant> lastSwept = new ConcurrentHashMap<>();

    Receiving(Transactions transactions, QueueCache cache, ReceivableHints hints) {
        this.transactions = transactions;
        this.cache = cache;
        this.hints = hints;
    }

    /** The queue (this incarnation of it) was deleted: what this node kept for its receives goes. */
    void forget(QueueKey key, long incarnation) {
        floors.forget(incarnation);
        lastSwept.remove(key);
    }

    /** A row a receive claimed, before it is handed out or dead-lettered. */
    private record Claimed(long sequence, int receiveCount, Instant firstReceivedAt, Instant retainedFrom,
                           String sequenceNumber, byte[] payload, long visibleAt) {
    }

    /**
     * {@link dev.postbox.core.store.QueueStore#receive}, in one transaction (and a sweep after it, when due). Plain
     * receives of a standard queue (no redrive rule) that meet go as one statement ({@link #together}).
     */
    CompletableFuture<List<Delivery>> receive(QueueKey key, Receive receive, Instant now) {
        boolean plain = receive.redrive() == null && receive.attemptId() == null;
        if (plain && cache.cachedAsStandard(key)) {
            return together.submit(new Lane(key, receive.visibilityTimeout()), new Asked(receive.max(), now));
        }
        return alone(key, receive, now, false);
    }

    /** Where this node's receives of the queue start their scan ({@link ReceiveFloors#NONE}: at the head). */
    long floor(long incarnation) {
        return floors.floor(incarnation);
    }

    /** How many receive steps of standard queues ran (each for one or more receives). */
    long receiveSteps() {
        return together.steps();
    }

    /** What receives must share to go as one statement: their queue and their visibility timeout. */
    private record Lane(QueueKey queue, Duration visibilityTimeout) {
    }

    /** One of the receives that go together: how many messages it asks for, and its "now". */
    private record Asked(int max, Instant now) {
    }

    /**
     * Receives as one: the oldest visible messages for all of them at once, handed out in turn (the first asked gets
     * the oldest), all hidden until the latest "now" plus their visibility timeout (the others' "now" is earlier by
     * the time they waited: a message is at most that much longer in flight).
     */
    private CompletableFuture<List<List<Delivery>>> receiveTogether(Lane lane, List<Asked> asked) {
        Instant now = asked.stream().map(Asked::now).max(Comparator.naturalOrder()).orElseThrow();
        int max = asked.stream().mapToInt(Asked::max).sum();
        return alone(lane.queue(), Receive.of(max, lane.visibilityTimeout()), now, asked.size() > 1)
                .thenApply(deliveries -> {
                    List<List<Delivery>> handedOut = new ArrayList<>(asked.size());
                    int next = 0;
                    for (Asked one : asked) {
                        int end = Math.min(deliveries.size(), next + one.max());
                        handedOut.add(List.copyOf(deliveries.subList(next, end)));
                        next = end;
                    }
                    return handedOut;
                })
                .exceptionallyCompose(failure -> {
                    if (!(failure instanceof NotStandard || failure.getCause() instanceof NotStandard)) {
                        return CompletableFuture.failedFuture(failure);
                    }
                    List<CompletableFuture<List<Delivery>>> each = asked.stream().map(one -> alone(lane.queue(),
                            Receive.of(one.max(), lane.visibilityTimeout()), one.now(), false)).toList();
                    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                            .thenApply(done -> each.stream().map(CompletableFuture::join).toList());
                });
    }

    /** The queue turned out to be FIFO (deleted and created again meanwhile): its receives cannot go as one. */
    private static final class NotStandard extends RuntimeException {
        NotStandard() {
            super(null, null, false, false);
        }
    }

    /** One receive, of {@code receive.max()} messages; {@code together}: for several (a standard queue's only). */
    private CompletableFuture<List<Delivery>> alone(QueueKey key, Receive receive, Instant now, boolean together) {
        return transactions.run(c -> {
            StoredQueue receiving = cache.get(key, () -> storedQueue(c, key))
                    .orElseThrow(SqsException::queueDoesNotExist);
            QueueRecord queue = receiving.record();
            if (together && queue.fifo()) {
                throw new NotStandard();
            }
            long cutoff = retentionCutoff(queue, now);
            if (queue.fifo() && receive.attemptId() != null) {
                List<Delivery> repeated = ReceiveAttempts.repeat(c, queue.incarnation(), receive, now);
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
                ReceiveAttempts.remember(c, queue.incarnation(), receive.attemptId(), deliveries, now);
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
            try (PreparedStatement take = c.prepareStatement(take(queue.tenanted()))) {
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
                try (PreparedStatement claim = c.prepareStatement(claim(queue.tenanted()))) {
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
     * The CTE {@code picked(ctid, sequence, visible_at)}: up to {@code max} receivable messages, locked
     * ({@code SKIP LOCKED}: concurrent receives take different ones). Without tenants, the oldest visible from the
     * floor on by the visibility index (in-flight and delayed rows sit at its tail, so the scan never walks past
     * them); with tenants, {@link #TENANT_TURNS}' fair pick.
     */
    static String picked(boolean tenanted) {
        if (!tenanted) {
            return """
                    WITH picked AS (
                        SELECT ctid, sequence, visible_at FROM postbox_message
                        WHERE incarnation = ? AND visible_at >= ? AND visible_at <= ? AND retained_from > ?
                        ORDER BY visible_at, sequence LIMIT ? FOR UPDATE SKIP LOCKED)
                    """;
        }
        // The tenants' scans have claimed and filtered the rows already: joining the table again here let the
        // planner read the whole queue by its primary key into a hash join, 55 ms a receive at 100,000 messages
        // instead of 0.9 ms, measured.
        return TENANT_TURNS + """
                ,
                picked AS (SELECT ctid, sequence, visible_at FROM ranked ORDER BY turn, sequence LIMIT ?)
                """;
    }

    /**
     * A plain receive: claim, count and hide the picked messages; their rows, each with its {@code visible_at} from
     * before. The picked rows are found again by their ctid, which no statistics can lead astray: joined by their key
     * instead, a planner whose statistics called the table nearly empty (a VACUUM that found one live row in all its
     * pages; the next ANALYZE comes up to a minute later) walked the whole queue's primary key against the picked
     * rows, 0.4 s for a receive of 10 at 100,000 messages, 1.2 s seen in a drain, measured (ReceivePlansTest). A ctid
     * is stable while its row is locked. PostgreSQL-only: CockroachDB and YugabyteDB have no ctid
     * (docs/compatibility.md). Should a picked row have been changed by a transaction that committed after this
     * statement's snapshot (its newest version is the one locked), that version is not visible to the second reading
     * and the message stays for the next receive: fewer messages in this answer, none lost or given twice.
     */
    static String take(boolean tenanted) {
        return picked(tenanted) + """
                ,
                taken AS (
                    UPDATE postbox_message m SET visible_at = ?, receive_count = m.receive_count + 1,
                        first_received_at = coalesce(m.first_received_at, ?)
                    WHERE m.ctid = ANY(ARRAY(SELECT ctid FROM picked))
                    RETURNING m.sequence, m.receive_count, m.first_received_at, m.sequence_number, m.payload)
                SELECT t.sequence, t.receive_count, t.first_received_at, t.sequence_number, t.payload, p.visible_at
                FROM taken t JOIN picked p USING (sequence)
                """;
    }

    /** A receive with a redrive rule: the picked messages' rows, claimed and unchanged (found as in {@link #take}). */
    static String claim(boolean tenanted) {
        return picked(tenanted) + """
                SELECT m.sequence, m.receive_count, m.first_received_at, m.retained_from, m.sequence_number, m.payload,
                    m.visible_at
                FROM postbox_message m WHERE m.ctid = ANY(ARRAY(SELECT ctid FROM picked))
                """;
    }

    /** Binds {@link #picked}'s parameters; the index of the next one. */
    private static int bindPicked(PreparedStatement statement, StoredQueue queue, long nowMicros, long cutoff,
                                  int max, long floor) throws SQLException {
        long incarnation = queue.record().incarnation();
        return queue.tenanted()
                ? bind(statement, 1, incarnation, incarnation, incarnation, nowMicros, cutoff, max, max)
                : bind(statement, 1, incarnation, floor, nowMicros, cutoff, max);
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
        if (Rows.markTenanted(c, deadLetter, moved.data())) {
            cache.forgetAtCommit(deadLetter.key(), transactions);
        }
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
}
