package dev.postbox.store.postgres;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs each store step as one READ COMMITTED transaction on a virtual thread (JDBC blocks; the store's callers must
 * not), retrying serialization failures and deadlocks (SQLSTATE 40001, 40P01: two receives dead-lettering into each
 * other's queues, or a distributed PostgreSQL) with jitter. A database that cannot be reached fails the step with
 * the retryable {@code SERVICE_UNAVAILABLE}, having changed nothing; an {@link SqsException} thrown by the step
 * rolls it back and is the future's failure.
 */
final class Transactions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Transactions.class.getName());
    private static final int ATTEMPTS = 8;

    /** One step: statements on the connection, committed by the caller when it returns. */
    @FunctionalInterface
    interface Step<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    /** The actions of the step running on this thread, to run once its transaction committed. */
    private final ThreadLocal<List<Runnable>> afterCommit = new ThreadLocal<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    <T> CompletableFuture<T> run(Step<T> step) {
        return CompletableFuture.supplyAsync(() -> runHere(step), threads);
    }

    /** Runs the step on this thread (for callers that are on a thread of ours already). */
    <T> T runHere(Step<T> step) {
        for (int attempt = 1; ; attempt++) {
            List<Runnable> actions = new ArrayList<>();
            T result;
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                afterCommit.set(actions);
                try {
                    result = step.run(connection);
                    if (!connection.getAutoCommit()) {
                        connection.commit();
                    }
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(connection);
                    throw e;
                } finally {
                    afterCommit.remove();
                }
            } catch (SQLException e) {
                if (retryable(e) && attempt < ATTEMPTS) {
                    pause(attempt);
                    continue;
                }
                LOG.log(System.Logger.Level.WARNING, "store step failed: " + e.getMessage());
                throw new SqsException(ErrorCode.SERVICE_UNAVAILABLE,
                        "The queue store is unavailable. Please retry the request.");
            }
            actions.forEach(Runnable::run);
            return result;
        }
    }

    /**
     * Within a step whose remaining work is one statement (or statements each complete on its own): each commits as
     * it runs, which saves the round trip of a COMMIT. What the step did before is committed now.
     */
    static void commitEachStatement(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
    }

    /** Within a step: runs {@code action} once the step's transaction committed, never when it rolled back. */
    void afterCommit(Runnable action) {
        List<Runnable> actions = afterCommit.get();
        if (actions == null) {
            throw new IllegalStateException("afterCommit outside a step");
        }
        actions.add(action);
    }

    private static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state);
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 5L << Math.min(attempt, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it
        }
    }

    @Override
    public void close() {
        threads.close();
    }
}
