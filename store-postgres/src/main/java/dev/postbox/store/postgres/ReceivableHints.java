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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * How a long poll on one node hears of a message made receivable on another: after a change commits, the node
 * sends a NOTIFY on channel {@value #CHANNEL} naming the queue and the instant its message becomes visible; every
 * node LISTENs on a connection of its own and rings the alarms of its polls on that queue for that instant.
 *
 * <p>Coalesced, and never inside the change's transaction: a NOTIFY makes its transaction take PostgreSQL's global
 * notification lock through its commit, so commits that notify are serialised (measured: single sends stuck at
 * 1.3k/s). Instead committed changes leave their hint here; one sender per node turns all hints pending into one
 * statement, so a hot queue costs one NOTIFY per round trip of the sender, not one per message, and the writers'
 * commits stay parallel.
 *
 * <p>A hint, never the truth: a poll woken receives and decides. A node that lost its listening connection wakes all
 * its polls once it has a new one (it may have missed hints). A hint lost because its node died between commit and
 * NOTIFY delays other nodes' polls, never a message: the next poll, or the poll's deadline, finds it. A node ignores
 * its own hints: its changes wake its polls directly, and its own hint, arriving after a poll that started later,
 * would wake that poll for a message it has already seen taken.
 */
final class ReceivableHints implements AutoCloseable {
    static final String CHANNEL = "postbox_receivable";
    private static final System.Logger LOG = System.getLogger(ReceivableHints.class.getName());
    /** Who wakes for a hint sent "to all": the sending node too. */
    private static final String EVERY_NODE = "*";

    /** Unpooled connections: a pool would hand out again a connection this class aborted. */
    private final DataSource dataSource;
    private final BiConsumer<QueueKey, Instant> hint;
    private final Runnable missedSome;
    /** Names this node's hints, so that it can ignore them. */
    private final String node = UUID.randomUUID().toString();
    /** Hints not sent yet: "from region/account/name" to the earliest instant (micros) for it. */
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    private final Semaphore somethingPending = new Semaphore(0);
    private final CountDownLatch firstAttempt = new CountDownLatch(1);
    private final Thread listener;
    private final Thread sender;
    private volatile boolean closed;
    private volatile Connection listening;
    private volatile Connection sending;

    /**
     * @param hint       called with a queue and the instant a message of it becomes visible
     * @param missedSome called after the listening connection was lost and is back
     */
    ReceivableHints(DataSource dataSource, BiConsumer<QueueKey, Instant> hint, Runnable missedSome) {
        this.dataSource = dataSource;
        this.hint = hint;
        this.missedSome = missedSome;
        this.listener = Thread.ofVirtual().name("postbox-postgres-listener").start(this::listen);
        this.sender = Thread.ofVirtual().name("postbox-postgres-notifier").start(this::sendPending);
        try {
            // Hints sent before the LISTEN are never delivered: a store is open once it hears them (or has failed to
            // listen once, and then wakes its polls when it does).
            firstAttempt.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After a change committed: tell the other nodes that a message of the queue becomes visible at {@code at}. */
    void send(QueueKey queue, Instant at) {
        enqueue(node, queue, at);
    }

    /** As {@link #send}, for a change that wakes no poll of this node directly (a dead-letter move): this one too. */
    void sendToAll(QueueKey queue, Instant at) {
        enqueue(EVERY_NODE, queue, at);
    }

    private void enqueue(String from, QueueKey queue, Instant at) {
        pending.merge(from + " " + queue, Rows.micros(at), Math::min); // QueueKey: region/account/name
        somethingPending.release();
    }

    /** The sender: all hints pending in one statement, again as soon as it returns and more are pending. */
    private void sendPending() {
        while (!closed) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement notify = c.prepareStatement(
                         "SELECT pg_notify('" + CHANNEL + "', hint) FROM unnest(?::text[]) AS hint")) {
                c.setAutoCommit(true);
                sending = c;
                while (!closed) {
                    somethingPending.acquire();
                    somethingPending.drainPermits();
                    Map<String, Long> batch = takePending();
                    if (batch.isEmpty()) {
                        continue;
                    }
                    try {
                        notify.setArray(1, c.createArrayOf("text", batch.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue()).toArray()));
                        notify.executeQuery().close();
                    } catch (SQLException e) {
                        batch.forEach((key, at) -> pending.merge(key, at, Math::min)); // sent by the next connection
                        throw e;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "sending receivable hints failed, retrying: " + e);
                if (!pause()) {
                    return;
                }
                somethingPending.release(); // the hints put back
            } catch (InterruptedException e) {
                return;
            } finally {
                sending = null;
            }
        }
    }

    private Map<String, Long> takePending() {
        Map<String, Long> batch = new HashMap<>();
        for (String key : List.copyOf(pending.keySet())) {
            Long at = pending.remove(key);
            if (at != null) {
                batch.put(key, at);
            }
        }
        return batch;
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
                if (!pause()) {
                    return;
                }
            } finally {
                listening = null;
            }
        }
    }

    /** A second between attempts to reconnect; false when interrupted (closing). */
    private static boolean pause() {
        try {
            Thread.sleep(1000);
            return true;
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    /**
     * "node region/account/name micros": another node's hint (or one to every node). A node of a build before
     * regions sends "account/name": ignored, so during a rolling upgrade a long poll here may not wake for a
     * message sent through an older node (the message is there for the next receive).
     */
    private void deliver(String payload) {
        String[] parts = payload.split(" ");
        String[] queue = parts.length == 3 ? parts[1].split("/", 3) : new String[0];
        if (queue.length != 3 || parts[0].equals(node)) {
            return; // this node's own hint, or not a hint
        }
        hint.accept(new QueueKey(queue[0], queue[1], queue[2]), Rows.instant(Long.parseLong(parts[2])));
    }

    @Override
    public void close() {
        closed = true;
        // Aborted, not closed: the threads may be blocked reading from them; abort closes the sockets at once.
        abort(listening);
        abort(sending);
        listener.interrupt();
        sender.interrupt();
    }

    private static void abort(Connection c) {
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
