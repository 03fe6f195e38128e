package dev.postbox.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How much of the queue a receive reads, from the plans PostgreSQL makes on the node's connections, when the
 * statistics are wrong in the way a churning queue makes them wrong: VACUUM ran while the table held one live row (it
 * keeps its pages), so until the next ANALYZE (up to a minute) the planner takes the refilled table for one row.
 * Measured before the node's settings and statements allowed for it: the whole queue read and sorted to pick 10
 * messages (70 ms at 100,000 messages), or its whole primary key walked to find the 10 picked ones again (0.4 s; 1.2
 * s in a drain).
 */
class ReceivePlansTest {
    /** The test's queue; the rows are written here directly, the plan is what is under test. */
    private static final long INCARNATION = 42;
    private static final int MESSAGES = 20_000;
    private static final long NOW = 1_000_000_000L;
    private static PostgresDatabase database;

    @BeforeAll
    static void refillAfterVacuumSawTheQueueNearlyEmpty() throws SQLException {
        String url = TestDatabase.server().getJdbcUrl("postgres", "postgres");
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS receive_plans");
            s.execute("CREATE DATABASE receive_plans");
        }
        database = PostgresDatabase.open(PostgresOptions.of(TestDatabase.server()
                .getJdbcUrl("postgres", "receive_plans")).withPoolSize(2));
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute(fill(1));
            s.execute("DELETE FROM postbox_message WHERE sequence < " + MESSAGES);
            s.execute("VACUUM ANALYZE postbox_message");
            s.execute(fill(MESSAGES + 1));
            try (ResultSet rs = s.executeQuery(
                    "SELECT reltuples FROM pg_class WHERE oid = 'postbox_message'::regclass")) {
                rs.next();
                assertThat(rs.getDouble(1)).as("the statistics still count one row").isEqualTo(1);
            }
        }
    }

    /** {@link #MESSAGES} visible messages of 1 KiB, in seven tenants, sequences from {@code first}. */
    private static String fill(long first) {
        return """
                INSERT INTO postbox_message (incarnation, sequence, visible_at, retained_from, group_id, payload)
                SELECT %d, s, s, 1, 't' || (s %% 7), decode(repeat('ab', 1024), 'hex')
                FROM generate_series(%d, %d) s
                """.formatted(INCARNATION, first, first + MESSAGES - 1);
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void aReceivePicksByTheVisibilityIndexInOrderInsteadOfSortingTheQueue() throws SQLException {
        String plan = plan(Receiving.picked(false) + "SELECT * FROM picked", INCARNATION, 0L, NOW, 0L, 10);
        assertThat(plan).as(plan).contains("postbox_message_visible").doesNotContain("Sort");
    }

    @Test
    void aReceiveReadsAFewBuffersForTenMessages() throws SQLException {
        String plan = plan(Receiving.take(false), INCARNATION, 0L, NOW, 0L, 10, NOW + 30_000_000L, NOW);
        assertThat(blocks(plan)).as("buffers a receive of 10 reads:\n" + plan).isLessThan(200);
    }

    @Test
    void aReceiveWithARedriveRuleClaimsByReadingAFewBuffers() throws SQLException {
        String plan = plan(Receiving.claim(false), INCARNATION, 0L, NOW, 0L, 10);
        assertThat(blocks(plan)).as("buffers a claim of 10 reads:\n" + plan).isLessThan(200);
    }

    @Test
    void aFairReceiveReadsEachTenantsHeadInsteadOfTheQueue() throws SQLException {
        String plan = plan(Receiving.take(true), INCARNATION, INCARNATION, INCARNATION, NOW, 0L, 10, 10,
                NOW + 30_000_000L, NOW);
        assertThat(blocks(plan)).as("buffers a fair receive of 10 among 7 tenants reads:\n" + plan).isLessThan(400);
    }

    /** EXPLAIN ANALYZE of a receive's statement (its work rolled back) on one of the node's own connections. */
    private static String plan(String statement, Object... parameters) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); PreparedStatement explain = c.prepareStatement(
                "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF) " + statement)) {
            for (int i = 0; i < parameters.length; i++) {
                explain.setObject(i + 1, parameters[i]);
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = explain.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            c.rollback();
            return plan.toString();
        }
    }

    /** The buffers the whole statement touched (the top node's count includes its children's). */
    private static long blocks(String plan) {
        java.util.regex.Matcher buffers = java.util.regex.Pattern
                .compile("Buffers: shared(?: hit=(\\d+))?(?: read=(\\d+))?").matcher(plan);
        assertThat(buffers.find()).as("a plan with buffer counts:\n" + plan).isTrue();
        long hit = buffers.group(1) == null ? 0 : Long.parseLong(buffers.group(1));
        long read = buffers.group(2) == null ? 0 : Long.parseLong(buffers.group(2));
        return hit + read;
    }
}
