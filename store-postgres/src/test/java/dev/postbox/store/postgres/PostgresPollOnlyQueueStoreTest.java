package dev.postbox.store.postgres;

import dev.postbox.core.store.QueueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract with {@code storage.postgres.notify=false}: no LISTEN/NOTIFY (PgBouncer in transaction mode),
 * a waiting long poll looks again every poll interval.
 */
class PostgresPollOnlyQueueStoreTest extends PostgresStoreContract {
    private static final Duration POLL_INTERVAL = PostgresOptions.DEFAULT_POLL_INTERVAL;
    private static PostgresDatabase database;

    @BeforeAll
    static void openDatabase() {
        database = TestDatabase.database(false);
    }

    @Override
    protected PostgresDatabase database() {
        return database;
    }

    @Test
    void aPollOnOneNodeFindsASendOnAnotherWithinAPollInterval() throws Exception {
        try (QueueStore other = database.newStore()) {
            CountDownLatch woken = new CountDownLatch(1);
            other.whenReceivable(key, clock.instant().plusSeconds(20), clock.instant(), timer, woken::countDown);
            assertThat(woken.await(300, TimeUnit.MILLISECONDS)).as("nothing to receive yet").isFalse();
            send(key, message("now", Duration.ZERO));
            assertThat(woken.await(300, TimeUnit.MILLISECONDS)).as("no hint comes without NOTIFY").isFalse();
            clock.advance(POLL_INTERVAL);
            assertThat(woken.await(5, TimeUnit.SECONDS)).as("the poll looked again after its interval").isTrue();
        }
    }
}
