package dev.postbox.store.postgres;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
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
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try {
                    T result = step.run(connection);
                    connection.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(connection);
                    throw e;
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
        }
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
