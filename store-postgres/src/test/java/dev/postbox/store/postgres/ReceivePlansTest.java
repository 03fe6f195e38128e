package dev.postbox.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
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
 *
 * <p>The node's connections let PostgreSQL cache a generic plan (its default), which is made once from the
 * statistics of that moment and kept as the table fills. So each statement is also prepared with a generic plan
 * made on the empty table and one made while the statistics said one row, each run once the queue holds {@link
 * #MESSAGES}: the plans must be the right ones whatever the statistics.
 */
class ReceivePlansTest {
    /** The test's queue; the rows are written here directly, the plan is what is under test. */
    private static final long INCARNATION = 42;
    private static final int MESSAGES = 20_000;
    private static final long NOW = 1_000_000_000L;
    private static PostgresDatabase database;
    /** A node connection holding the statements prepared, with generic plans, while the statistics were stale. */
    private static Connection planned;
    /** The plans made on the empty table, run once it held {@link #MESSAGES}: statement name to plan. */
    private static Map<String, String> madeOnAnEmptyTable;

    /** A statement under test, its parameters for a receive of 10 at {@link #NOW}, and the buffers it may read. */
    private record Checked(String name, String sql, List<Object> parameters, int maxBuffers) {
        /** The parameters as PREPARE's argument list. */
        String arguments() {
            return parameters.stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
        }
    }

    private static final Checked TAKE = new Checked("take", Receiving.take(false),
            List.of(INCARNATION, 0L, NOW, 0L, 10, NOW + 30_000_000L, NOW), 200);
    private static final Checked FAIR_TAKE = new Checked("fair_take", Receiving.take(true),
            List.of(INCARNATION, INCARNATION, INCARNATION, NOW, 0L, 10, 10, NOW + 30_000_000L, NOW), 400);
    private static final Checked CLAIM = new Checked("claim", Receiving.claim(false),
            List.of(INCARNATION, 0L, NOW, 0L, 10), 200);
    private static final Checked EARLIEST = new Checked("earliest", PostgresQueueStore.EARLIEST_VISIBLE,
            List.of(INCARNATION, Long.MIN_VALUE, 0L), 20);
    /** The statements also prepared with generic plans. */
    private static final List<Checked> CACHED = List.of(TAKE, FAIR_TAKE, CLAIM, EARLIEST);

    @BeforeAll
    static void refillAfterVacuumSawTheQueueNearlyEmpty() throws SQLException {
        database = TestDatabase.fresh("receive_plans");
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            planned = database.dataSource().getConnection();
            s.execute("VACUUM ANALYZE postbox_message");
            planGenerically("empty_");
            s.execute(fill(1));
            madeOnAnEmptyTable = explainPlanned("empty_");
            s.execute("DELETE FROM postbox_message WHERE sequence < " + MESSAGES);
            s.execute("VACUUM ANALYZE postbox_message");
            planGenerically("stale_");
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
    static void close() throws SQLException {
        planned.close();
        database.close();
    }

    @Test
    void aReceivePicksByTheVisibilityIndexInOrderInsteadOfSortingTheQueue() throws SQLException {
        String plan = plan(Receiving.picked(false) + "SELECT * FROM picked", CLAIM.parameters().toArray());
        assertThat(plan).as(plan).contains("postbox_message_visible").doesNotContain("Sort");
    }

    @Test
    void aReceiveReadsAFewBuffersForTenMessages() throws SQLException {
        assertFewBuffers(TAKE, plan(TAKE));
    }

    @Test
    void aReceiveWithARedriveRuleClaimsByReadingAFewBuffers() throws SQLException {
        assertFewBuffers(CLAIM, plan(CLAIM));
    }

    @Test
    void aFairReceiveReadsEachTenantsHeadInsteadOfTheQueue() throws SQLException {
        assertFewBuffers(FAIR_TAKE, plan(FAIR_TAKE));
    }

    @Test
    void aLongPollsProbeReadsTheFirstEntryOfTheVisibilityIndex() throws SQLException {
        assertFewBuffers(EARLIEST, plan(EARLIEST));
    }

    @Test
    void plansMadeWhileTheStatisticsSaidOneRowReadAFewBuffersOnceTheQueueFilled() throws SQLException {
        assertFewBuffers(explainPlanned("stale_"));
    }

    @Test
    void plansMadeOnAnEmptyTableReadAFewBuffersOnceTheQueueFilled() {
        assertFewBuffers(madeOnAnEmptyTable);
    }

    private static void assertFewBuffers(Map<String, String> plans) {
        assertThat(plans.keySet()).containsExactlyInAnyOrderElementsOf(CACHED.stream().map(Checked::name).toList());
        CACHED.forEach(checked -> assertFewBuffers(checked, plans.get(checked.name())));
    }

    private static void assertFewBuffers(Checked checked, String plan) {
        assertThat(Explain.buffers(plan)).as("buffers " + checked.name() + " reads:\n" + plan)
                .isLessThan(checked.maxBuffers());
    }

    /**
     * Prepares the {@link #CACHED} statements (names starting with {@code prefix}) on {@link #planned} and runs each
     * once with a generic plan, made now and kept (the table's later growth does not invalidate it), rolled back.
     */
    private static void planGenerically(String prefix) throws SQLException {
        try (Statement s = planned.createStatement()) {
            s.execute("SET plan_cache_mode = force_generic_plan");
            for (Checked checked : CACHED) {
                s.execute("PREPARE " + prefix + checked.name() + " AS " + numbered(checked.sql()));
            }
            planned.commit(); // the setting stays for the session
            for (Checked checked : CACHED) {
                s.execute("EXECUTE " + prefix + checked.name() + checked.arguments());
            }
            planned.rollback();
        }
    }

    /** EXPLAIN ANALYZE of the statements {@link #planGenerically} prepared, their work rolled back. */
    private static Map<String, String> explainPlanned(String prefix) throws SQLException {
        Map<String, String> plans = new java.util.HashMap<>();
        for (Checked checked : CACHED) {
            try (Statement s = planned.createStatement(); ResultSet rs = s.executeQuery(
                    "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF) EXECUTE " + prefix + checked.name()
                            + checked.arguments())) {
                String plan = Explain.lines(rs);
                assertThat(plan).as("a generic plan (its conditions name parameters)").contains("$1");
                plans.put(checked.name(), plan);
            } finally {
                planned.rollback();
            }
        }
        return plans;
    }

    /** The statement with PREPARE's {@code $1, $2, …} in place of JDBC's question marks. */
    private static String numbered(String statement) {
        StringBuilder numbered = new StringBuilder();
        int next = 1;
        for (char ch : statement.toCharArray()) {
            if (ch == '?') {
                numbered.append('$').append(next++);
            } else {
                numbered.append(ch);
            }
        }
        return numbered.toString();
    }

    /** EXPLAIN ANALYZE of a statement (its work rolled back) on one of the node's own connections. */
    private static String plan(String statement, Object... parameters) throws SQLException {
        try (Connection c = database.dataSource().getConnection()) {
            return Explain.analyze(c, statement, parameters);
        }
    }

    private static String plan(Checked checked) throws SQLException {
        return plan(checked.sql(), checked.parameters().toArray());
    }
}
