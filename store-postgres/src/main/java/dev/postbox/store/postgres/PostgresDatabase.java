package dev.postbox.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.util.Map;

/**
 * The database a {@link PostgresQueueStore} lives in: a connection pool, and the schema brought to this build's
 * version at start by Flyway (which serialises concurrent starts of several nodes on its own lock). A database whose
 * schema is newer than this build knows is refused: an older node must not write to tables it does not understand.
 */
public final class PostgresDatabase implements AutoCloseable {
    private final PostgresOptions options;
    private final HikariDataSource pool;
    /** Unpooled: for each store's long-lived hint connections, which must never go back to the pool. */
    private final DataSource direct;

    private PostgresDatabase(PostgresOptions options, HikariDataSource pool, DataSource direct) {
        this.options = options;
        this.pool = pool;
        this.direct = direct;
    }

    public static PostgresDatabase open(PostgresOptions options) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(options.url());
        if (options.password() != null) {
            config.setPassword(options.password());
        }
        config.setMaximumPoolSize(options.poolSize());
        config.setPoolName("postbox-postgres");
        config.setAutoCommit(false);
        config.setConnectionTimeout(Math.max(250, options.connectionTimeout().toMillis()));
        config.setInitializationFailTimeout(-1); // the first use reports an unreachable database, not the pool
        // Every execution is planned for its values (force_custom_plan). pgjdbc prepares a statement on the server
        // after five uses, and PostgreSQL may then cache one generic plan, made from the table's size and statistics
        // of that moment: one made while the queue table was empty (a queue between two bursts) scanned and sorted
        // the whole table, 0.7 s for a receive of 10, and stayed cached as the table filled; measured. With
        // sequential scans and sorts disabled too, generic plans made on an empty table still chose the group index
        // for the receive's update, the batch delete and the long poll's probe (55-90 ms each at 100,000 rows), so
        // planning stays: 0.2 ms of a receive of 10 and 0.3 ms of a delete batch, a third of the database's CPU in
        // a drain (docs/performance.md, fifth step).
        // No bitmap scans: every statement here finds its rows by an index, and on a table not yet analyzed the
        // planner chose a bitmap scan of the whole queue and a sort for a receive of 10 (21,000 buffer reads, and
        // a bitmap scan never marks the dead index entries it passes, so the next one reads them again): the first
        // drain on a fresh database ran at 1,909-2,699 msgs/s against 3,582-4,135 with plain index scans, measured.
        // No sort where an index gives the order: a VACUUM that ran while the queue was nearly empty leaves the
        // table's pages and a tiny row count, so until the next ANALYZE (up to a minute) the planner takes a
        // refilled queue for a few rows and read all of them by the primary key and sorted them, for a receive of 10
        // (70 ms at 100,000 messages, 1.2 s seen in a drain; ReceivePlansTest). Sorts that no index can spare still
        // run.
        // No JIT: nothing here is a long query, and a disabled sort's cost (PostgreSQL adds 1e10) would cross the JIT
        // threshold: 250 ms compiling a fair receive of 1 ms, measured.
        config.setConnectionInitSql("SET plan_cache_mode = force_custom_plan; SET enable_bitmapscan = off;"
                + " SET enable_sort = off; SET jit = off");
        HikariDataSource pool = new HikariDataSource(config);
        try {
            migrate(pool, options.olderDataRegion());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        PGSimpleDataSource direct = new PGSimpleDataSource();
        direct.setURL(options.url());
        if (options.password() != null) {
            direct.setPassword(options.password());
        }
        return new PostgresDatabase(options, pool, direct);
    }

    static void migrate(DataSource dataSource, String olderDataRegion) {
        try {
            // No ignore patterns: a migration applied by a newer build (unknown here) fails validation.
            Flyway.configure().dataSource(dataSource).locations("classpath:db/postbox").table("postbox_schema_history")
                    .placeholders(Map.of("older_data_region", olderDataRegion))
                    .validateOnMigrate(true).ignoreMigrationPatterns(new String[0]).load().migrate();
        } catch (FlywayException e) {
            throw new IllegalStateException("The PostgreSQL schema could not be brought to this version of Postbox: "
                    + e.getMessage(), e);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    /** A store on this database; closing the store leaves the database open. */
    public PostgresQueueStore newStore() {
        return new PostgresQueueStore(pool, options.listenNotify() ? direct : null, options.pollInterval(), () -> { });
    }

    /** A store on its own database connection pool, which closing the store closes. */
    public static PostgresQueueStore openStore(PostgresOptions options) {
        PostgresDatabase database = open(options);
        return new PostgresQueueStore(database.pool, options.listenNotify() ? database.direct : null,
                options.pollInterval(), database::close);
    }

    @Override
    public void close() {
        pool.close();
    }
}
