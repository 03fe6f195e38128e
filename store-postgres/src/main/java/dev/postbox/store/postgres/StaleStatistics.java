package dev.postbox.store.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Analyzes the message table when the planner's statistics count an order of magnitude fewer rows than it holds.
 *
 * <p>A churning queue makes them wrong that way: VACUUM of a nearly empty queue records its few live rows and all its
 * pages, and PostgreSQL then estimates a refilled queue from that density, a few rows, until the next ANALYZE, which
 * autovacuum runs at its next visit (once a minute by default). With a few rows every index looks as cheap as the
 * right one, and statements whose rows several indexes could find (a delete batch, a lookup by sequence) took the
 * group index over the whole queue: 50-80 ms for a delete batch at 100,000 messages instead of 0.3 ms, measured
 * (docs/performance.md, eighth step). The hot receive statements have only one plan left (PostgresDatabase); for the
 * others this shortens the window from a minute to seconds.
 *
 * <p>The live row count comes from PostgreSQL's cumulative statistics ({@code pg_stat_user_tables.n_live_tup}, kept
 * by every insert and delete), the planner's from {@code pg_class.reltuples}. Each node checks every {@link
 * #CHECK_EVERY} (one cheap catalog query); the ANALYZE takes the table's SHARE UPDATE EXCLUSIVE lock without waiting
 * (writers are not blocked by it), so when another node or autovacuum is at it, this node leaves it to them. A
 * database that refuses the check (no such statistics: another engine) is told once in the log and not asked again;
 * where the node's user does not own the table, ANALYZE only warns, at most every {@link #MIN_GAP}.
 */
final class StaleStatistics implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StaleStatistics.class.getName());
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    /** Below this many live rows any plan is fast: no ANALYZE. */
    static final long MIN_ROWS = 1_000;
    /** The statistics are stale when they count fewer than a tenth of the live rows. */
    static final long FACTOR = 10;
    /** At most one ANALYZE a node per this (one of 100,000 rows takes about 0.1 s of the database's CPU). */
    static final Duration MIN_GAP = Duration.ofSeconds(10);

    private final DataSource dataSource;
    private final Thread checker;
    private volatile boolean closed;
    private long lastAnalyzedNanos = System.nanoTime() - MIN_GAP.toNanos();

    private StaleStatistics(DataSource dataSource, boolean start) {
        this.dataSource = dataSource;
        this.checker = start ? Thread.ofVirtual().name("postbox-postgres-statistics").start(this::checkEvery) : null;
    }

    /** Checks every {@link #CHECK_EVERY} until closed. */
    static StaleStatistics start(DataSource dataSource) {
        return new StaleStatistics(dataSource, true);
    }

    /** Checks only when asked ({@link #analyzeIfStale}), for tests. */
    static StaleStatistics onDemand(DataSource dataSource) {
        return new StaleStatistics(dataSource, false);
    }

    private void checkEvery() {
        while (!closed) {
            try {
                Thread.sleep(CHECK_EVERY);
                if (System.nanoTime() - lastAnalyzedNanos >= MIN_GAP.toNanos() && analyzeIfStale()) {
                    lastAnalyzedNanos = System.nanoTime();
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                if (isRefusal(e)) {
                    LOG.log(System.Logger.Level.INFO, "the message table's planner statistics are left to autovacuum"
                            + " (the database refused to report or refresh them: " + e.getMessage() + ")");
                    return;
                }
                // the database is unreachable for now: the store's requests report that; look again later
            }
        }
    }

    /** Runs ANALYZE when the statistics are stale (and no one else is at it); whether it ran. */
    boolean analyzeIfStale() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            try {
                if (!stale(s)) {
                    return false;
                }
                s.execute("SET LOCAL statement_timeout = '60s'");
                try {
                    s.execute("LOCK TABLE postbox_message IN SHARE UPDATE EXCLUSIVE MODE NOWAIT");
                } catch (SQLException e) {
                    if ("55P03".equals(e.getSQLState())) { // lock_not_available: being analyzed or vacuumed
                        c.rollback();
                        return false;
                    }
                    throw e;
                }
                boolean ran = stale(s); // another node may have analyzed it between the two looks
                if (ran) {
                    s.execute("ANALYZE postbox_message");
                }
                c.commit();
                return ran;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static boolean stale(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT c.reltuples, t.n_live_tup FROM pg_class c"
                + " JOIN pg_stat_user_tables t ON t.relid = c.oid WHERE c.oid = 'postbox_message'::regclass")) {
            if (!rs.next()) {
                return false;
            }
            double planned = Math.max(0, rs.getDouble(1)); // -1: never analyzed or vacuumed
            long live = rs.getLong(2);
            return live >= MIN_ROWS && planned * FACTOR < live;
        }
    }

    /** A database that will not do this (as opposed to one that cannot be reached now). */
    private static boolean isRefusal(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("42") || state.startsWith("0A"));
    }

    @Override
    public void close() {
        closed = true;
        if (checker != null) {
            checker.interrupt();
        }
    }
}
