package dev.postbox.store.postgres;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node uses its database.
 *
 * @param url               a {@code jdbc:postgresql://} URL (user and password may be in it)
 * @param password          the password when not in the URL, or null; never logged
 * @param poolSize          connections a node keeps for its transactions (plus two of its own for hints)
 * @param connectionTimeout how long a step waits for a connection before it fails as {@code ServiceUnavailable}
 * @param listenNotify      LISTEN/NOTIFY hints wake long polls across nodes; false for a connection pooler in
 *                          transaction mode or an engine without LISTEN: long polls then look every
 *                          {@code pollInterval}
 * @param pollInterval      how often a waiting long poll looks for messages when {@code listenNotify} is off
 * @param olderDataRegion   the region of queues stored before queues had regions (the server's {@code sqs.region}),
 *                          which the schema migration gives them
 */
public record PostgresOptions(String url, String password, int poolSize, Duration connectionTimeout,
                              boolean listenNotify, Duration pollInterval, String olderDataRegion) {
    public static final String DEFAULT_REGION = "us-east-1";
    public static final int DEFAULT_POOL_SIZE = 16;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);

    public PostgresOptions {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(olderDataRegion, "olderDataRegion");
    }

    /** The defaults, on this database. */
    public static PostgresOptions of(String url) {
        return new PostgresOptions(url, null, DEFAULT_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT, true,
                DEFAULT_POLL_INTERVAL, DEFAULT_REGION);
    }

    public PostgresOptions withPoolSize(int size) {
        return new PostgresOptions(url, password, size, connectionTimeout, listenNotify, pollInterval,
                olderDataRegion);
    }

    public PostgresOptions withListenNotify(boolean on) {
        return new PostgresOptions(url, password, poolSize, connectionTimeout, on, pollInterval,
                olderDataRegion);
    }

    public PostgresOptions withOlderDataRegion(String region) {
        return new PostgresOptions(url, password, poolSize, connectionTimeout, listenNotify, pollInterval, region);
    }

    @Override
    public String toString() {
        return "PostgresOptions[url=" + url + ", password=" + (password == null ? "none" : "***") + ", poolSize="
                + poolSize + ", connectionTimeout=" + connectionTimeout + ", listenNotify=" + listenNotify
                + ", pollInterval=" + pollInterval + ", olderDataRegion=" + olderDataRegion + "]";
    }
}
