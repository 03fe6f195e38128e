package dev.postbox.store.postgres;

import dev.postbox.core.store.QueueKey;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * How a long poll on one node hears of a message made receivable on another: the change's transaction sends a
 * NOTIFY on channel {@value #CHANNEL} naming the queue and the instant its message becomes visible, delivered at
 * commit (never for a change that rolled back); every node LISTENs on a connection of its own and rings the alarms
 * of its polls on that queue for that instant. A hint, never the truth: a poll woken receives and decides, and a
 * node that lost its listening connection wakes all its polls once it has a new one (it may have missed hints).
 * A node ignores its own hints: its changes wake its polls directly, and its own hint, arriving after a poll that
 * started later, would wake that poll for a message it has already seen taken.
 */
final class ReceivableHints implements AutoCloseable {
    static final String CHANNEL = "postbox_receivable";
    private static final System.Logger LOG = System.getLogger(ReceivableHints.class.getName());

    /** Unpooled connections: a pool would hand out again a connection this class aborted. */
    private final DataSource dataSource;
    private final BiConsumer<QueueKey, Instant> hint;
    private final Runnable missedSome;
    private final Thread listener;
    private volatile boolean closed;
    private volatile Connection listening;
    private final CountDownLatch firstAttempt = new CountDownLatch(1);
    /** Names this node's hints, so that it can ignore them. */
    private final String node = java.util.UUID.randomUUID().toString();

    /**
     * @param hint       called with a queue and the instant a message of it becomes visible
     * @param missedSome called after the listening connection was lost and is back
     */
    ReceivableHints(DataSource dataSource, BiConsumer<QueueKey, Instant> hint, Runnable missedSome) {
        this.dataSource = dataSource;
        this.hint = hint;
        this.missedSome = missedSome;
        this.listener = Thread.ofVirtual().name("postbox-postgres-listener").start(this::listen);
        try {
            // Hints sent before the LISTEN are never delivered: a store is open once it hears them (or has failed to
            // listen once, and then wakes its polls when it does).
            firstAttempt.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Within a change's transaction: tell every node that a message of the queue becomes visible at {@code at}. */
    void send(Connection c, QueueKey queue, Instant at) throws SQLException {
        notify(c, node, queue, at);
    }

    /** As {@link #send}, for a change that wakes no poll of this node directly (a dead-letter move): this one too. */
    void sendToAll(Connection c, QueueKey queue, Instant at) throws SQLException {
        notify(c, "*", queue, at);
    }

    private static void notify(Connection c, String from, QueueKey queue, Instant at) throws SQLException {
        try (PreparedStatement notify = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
            notify.setString(1, from + " " + queue.accountId() + "/" + queue.name() + " "
                    + PostgresQueueStore.micros(at));
            notify.executeQuery().close();
        }
    }

    private void listen() {
        boolean lost = false;
        while (!closed) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                listening = c;
                firstAttempt.countDown();
                if (lost) {
                    missedSome.run();
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            deliver(notification.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                lost = true;
                firstAttempt.countDown();
                LOG.log(System.Logger.Level.WARNING, "listening for receivable hints failed, retrying: " + e);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            } finally {
                listening = null;
            }
        }
    }

    /** "node account/name micros": another node's hint. */
    private void deliver(String payload) {
        String[] parts = payload.split(" ");
        int slash = parts.length == 3 ? parts[1].indexOf('/') : -1;
        if (slash < 0 || parts[0].equals(node)) {
            return; // this node's own hint, or not a hint
        }
        hint.accept(new QueueKey(parts[1].substring(0, slash), parts[1].substring(slash + 1)),
                PostgresQueueStore.instant(Long.parseLong(parts[2])));
    }

    @Override
    public void close() {
        closed = true;
        Connection c = listening;
        if (c != null) {
            try {
                // Aborted, not closed: the listener may be blocked reading from it; abort closes the socket at once.
                c.abort(Runnable::run);
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        listener.interrupt();
    }
}
