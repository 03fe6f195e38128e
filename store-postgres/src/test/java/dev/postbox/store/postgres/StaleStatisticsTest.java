package dev.postbox.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The message table refilled after VACUUM saw it nearly empty: the planner's statistics count one row until an
 * ANALYZE, and {@link StaleStatistics} runs it. Afterwards the delete batch, which several indexes could serve, reads
 * a few buffers.
 */
class StaleStatisticsTest {
    private static final long INCARNATION = 7;
    private static final int MESSAGES = 20_000;
    private static PostgresDatabase database;

    @BeforeAll
    static void refillAfterVacuumSawTheQueueNearlyEmpty() throws SQLException {
        database = TestDatabase.fresh("stale_statistics");
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute(fill(1));
            s.execute("DELETE FROM postbox_message WHERE sequence < " + MESSAGES);
            s.execute("VACUUM ANALYZE postbox_message");
            s.execute(fill(MESSAGES + 1));
        }
    }

    private static String fill(long first) {
        return """
                INSERT INTO postbox_message (incarnation, sequence, visible_at, retained_from, group_id, payload)
                SELECT %d, s, s, 1, '', decode(repeat('ab', 1024), 'hex') FROM generate_series(%d, %d) s
                """.formatted(INCARNATION, first, first + MESSAGES - 1);
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void staleStatisticsAreAnalyzedOnceAndTheDeleteBatchThenReadsAFewBuffers() throws Exception {
        assertThat(plannedRows()).as("the statistics count one row").isEqualTo(1);
        StaleStatistics statistics = StaleStatistics.onDemand(database.dataSource());
        long deadline = System.nanoTime() + 15_000_000_000L; // the live count reaches the statistics views late
        boolean analyzed = false;
        while (!analyzed && System.nanoTime() < deadline) {
            analyzed = statistics.analyzeIfStale();
            if (!analyzed) {
                Thread.sleep(200);
            }
        }
        assertThat(analyzed).as("ANALYZE ran").isTrue();
        assertThat(plannedRows()).as("the statistics count the refilled queue").isGreaterThan(MESSAGES / 2.0);
        assertThat(statistics.analyzeIfStale()).as("fresh statistics are left alone").isFalse();

        String plan = explainDeleteBatch(MESSAGES + 5_000, MESSAGES + 5_009);
        assertThat(Explain.buffers(plan)).as("buffers a delete batch of 10 reads:\n" + plan).isLessThan(200);
    }

    private static double plannedRows() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT reltuples FROM pg_class WHERE oid = 'postbox_message'::regclass")) {
            rs.next();
            double rows = rs.getDouble(1);
            c.rollback();
            return rows;
        }
    }

    /** EXPLAIN ANALYZE of the delete batch for the messages {@code first..last} (never received), rolled back. */
    private static String explainDeleteBatch(long first, long last) throws SQLException {
        try (Connection c = database.dataSource().getConnection()) {
            Long[] sequences = java.util.stream.LongStream.rangeClosed(first, last).boxed().toArray(Long[]::new);
            Integer[] counts = new Integer[sequences.length];
            java.util.Arrays.fill(counts, 0);
            String plan = Explain.analyze(c, PostgresQueueStore.DELETE_BATCH, INCARNATION,
                    c.createArrayOf("bigint", sequences), 0L, c.createArrayOf("bigint", sequences),
                    c.createArrayOf("int", counts), false, 0L);
            assertThat(plan).as("10 messages deleted:\n" + plan).contains("Delete on postbox_message m (actual rows=10");
            return plan;
        }
    }
}
