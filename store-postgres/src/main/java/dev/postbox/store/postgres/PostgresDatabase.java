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
        // Plans that statistics cannot mislead (decision 0023). A queue table's statistics are often wrong: VACUUM
        // of a nearly empty queue leaves its pages and a tiny row count, and the planner then takes a refilled queue
        // for a few rows until the next ANALYZE (StaleStatistics shortens that to seconds); a queue between two
        // bursts is empty. So the hot statements are written so that only one plan is left once sequential scans,
        // bitmap scans and sorts that an index can spare are disabled: the receive picks by the visibility index in
        // its order and finds its rows again by ctid, the long poll's probe reads the visibility index's first entry
        // (ReceivePlansTest makes its plans on an empty and on a stale table). Those plans are then the same for
        // every execution, and PostgreSQL's default plan caching (plan_cache_mode = auto: a generic plan after five
        // executions of a prepared statement, when it costs no more) spares their planning, which was a third of
        // the database's CPU in a drain (docs/performance.md, fifth step).
        // Without sequential scans: a plan made on an empty table read a refilled one whole (0.7 s for a receive of
        // 10, measured). Without bitmap scans: they never mark the dead index entries they pass, and on a table not
        // yet analyzed the planner chose one over the whole queue and a sort for a receive of 10 (21,000 buffer
        // reads). Without sorts an index can spare: with stale statistics the planner read the whole queue by its
        // primary key and sorted it to pick 10 messages (70 ms at 100,000 messages). Scans and sorts that nothing
        // else can do still run (PostgreSQL only adds a large cost to disabled paths).
        // No JIT: nothing here is a long query, and a disabled path's cost (1e10) would cross the JIT threshold: 250
        // ms compiling a fair receive of 1 ms, measured.
        config.setConnectionInitSql("SET plan_cache_mode = auto; SET enable_seqscan = off;"
                + " SET enable_bitmapscan = off; SET enable_sort = off; SET jit = off");
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
