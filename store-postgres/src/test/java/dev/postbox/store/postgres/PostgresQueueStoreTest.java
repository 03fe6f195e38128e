package dev.postbox.store.postgres;

import dev.postbox.core.QueueAttributes;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The store contract on a real PostgreSQL with LISTEN/NOTIFY hints, and what two stores on one database (two nodes)
 * tell each other.
 */
class PostgresQueueStoreTest extends PostgresStoreContract {
    private static PostgresDatabase database;

    @BeforeAll
    static void openDatabase() {
        database = TestDatabase.database(true);
    }

    @Override
    protected PostgresDatabase database() {
        return database;
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

    /** Eight clients sending, receiving and deleting in step: their requests meet, and go as fewer statements. */
    @org.junit.jupiter.api.Test
    void concurrentRequestsOfAQueueGoTogetherAndEachGetsItsOwnAnswer() throws Exception {
        int clients = 8;
        int rounds = 25;
        PostgresQueueStore.Steps before = ((PostgresQueueStore) store).steps();
        java.util.concurrent.CyclicBarrier inStep = new java.util.concurrent.CyclicBarrier(clients);
        java.util.Set<String> received = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        try (java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients)) {
            for (int t = 0; t < clients; t++) {
                int client = t;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < rounds; round++) {
                        inStep.await();
                        java.util.List<QueueStore.Sent> sent = send(key, message(client + "/" + round,
                                java.time.Duration.ZERO));
                        org.assertj.core.api.Assertions.assertThat(sent).hasSize(1);
                        inStep.await();
                        java.util.List<dev.postbox.core.store.Delivery> got = receive(1);
                        org.assertj.core.api.Assertions.assertThat(got).as("one each: eight were sent").hasSize(1);
                        org.assertj.core.api.Assertions.assertThat(received.add(got.getFirst().data().body()))
                                .as("received once").isTrue();
                        inStep.await();
                        org.assertj.core.api.Assertions.assertThat(delete(key, got.getFirst()))
                                .isEqualTo(QueueStore.DeleteOutcome.DELETED);
                    }
                    return null;
                }));
            }
        }
        for (java.util.concurrent.Future<?> client : done) {
            client.get();
        }
        org.assertj.core.api.Assertions.assertThat(received).hasSize(clients * rounds);
        org.assertj.core.api.Assertions.assertThat(counts(key).visible() + counts(key).inFlight()).isZero();
        PostgresQueueStore.Steps after = ((PostgresQueueStore) store).steps();
        int requests = clients * rounds;
        org.assertj.core.api.Assertions.assertThat(after.sends() - before.sends()).as("send steps")
                .isLessThan(requests);
        org.assertj.core.api.Assertions.assertThat(after.receives() - before.receives()).as("receive steps")
                .isLessThan(requests);
        org.assertj.core.api.Assertions.assertThat(after.deletes() - before.deletes()).as("delete steps")
                .isLessThan(requests);
    }

    @org.junit.jupiter.api.Test
    void queuesStoredBeforeRegionsAreInTheRegionTheMigratingNodeNames() throws SQLException {
        String url = TestDatabase.emptyDatabase("before_regions");
        org.flywaydb.core.Flyway.configure().dataSource(url, null, null).locations("classpath:db/postbox")
                .table("postbox_schema_history").target("2").load().migrate();
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO postbox_queue (account, name, incarnation, fifo, attributes, tags, created_at,"
                    + " modified_at) VALUES ('000000000000', 'old', 4242, false, '{\"VisibilityTimeout\":\"30\"}',"
                    + " '{}', 0, 0)");
            s.execute("INSERT INTO postbox_freed_name VALUES ('000000000000', 'gone', "
                    + Rows.micros(clock.instant()) + ")");
        }
        try (PostgresDatabase upgraded = PostgresDatabase.open(PostgresOptions.of(url).withPoolSize(2)
                .withOlderDataRegion("ap-northeast-1")); PostgresQueueStore older = upgraded.newStore()) {
            QueueKey old = new QueueKey("ap-northeast-1", "000000000000", "old");
            org.assertj.core.api.Assertions.assertThat(await(older.queue(old))).get()
                    .extracting(QueueRecord::incarnation).isEqualTo(4242L);
            org.assertj.core.api.Assertions.assertThat(await(older.queue(
                    new QueueKey("us-east-1", "000000000000", "old")))).isEmpty();
            org.assertj.core.api.Assertions.assertThat(await(older.createQueue(queue(new QueueKey("ap-northeast-1",
                    "000000000000", "gone"), Map.of()), clock.instant().minus(WINDOW))).status()).as("its freed name is that region's")
                    .isEqualTo(QueueStore.CreateOutcome.Status.NAME_RECENTLY_DELETED);
            org.assertj.core.api.Assertions.assertThat(await(older.createQueue(queue(new QueueKey("eu-west-1",
                    "000000000000", "old"), Map.of()), clock.instant().minus(WINDOW))).status())
                    .isEqualTo(QueueStore.CreateOutcome.Status.CREATED);
        }
    }

    @org.junit.jupiter.api.Test
    void aDatabaseMigratedByANewerBuildIsRefused() throws SQLException {
        String url = TestDatabase.emptyDatabase("newer");
        PostgresDatabase.open(PostgresOptions.of(url).withPoolSize(2)).close();
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO postbox_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (1000, '1000', 'from the future',"
                    + " 'SQL', 'V1000__from_the_future.sql', 0, 'postgres', 1, true)");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresDatabase.open(PostgresOptions.of(url).withPoolSize(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("could not be brought to this version of Postbox").hasMessageContaining("1000");
    }

    /**
     * The hot statements have one plan left once sequential scans, bitmap scans and sorts an index can spare are
     * disabled (ReceivePlansTest), so PostgreSQL may cache their plans (its default); no JIT (PostgresDatabase).
     */
    @org.junit.jupiter.api.Test
    void theNodesConnectionsLeaveOnlyIndexPlans() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            for (String[] setting : new String[][]{{"plan_cache_mode", "auto"}, {"enable_seqscan", "off"},
                    {"enable_bitmapscan", "off"}, {"enable_sort", "off"}, {"jit", "off"}}) {
                try (java.sql.ResultSet rs = s.executeQuery("SHOW " + setting[0])) {
                    rs.next();
                    org.assertj.core.api.Assertions.assertThat(rs.getString(1)).as(setting[0]).isEqualTo(setting[1]);
                }
            }
            c.rollback();
        }
    }

    @org.junit.jupiter.api.Test
    void expiredMessagesLeaveTheTableAfterAReceive() throws Exception {
        QueueKey shortLived = new QueueKey("us-east-1", "000000000000", "short-lived");
        create(queue(shortLived, Map.of(QueueAttributes.MESSAGE_RETENTION_PERIOD, "60")));
        send(shortLived, message("expires", java.time.Duration.ZERO));
        clock.advance(Receiving.SWEEP_EVERY.plusSeconds(60));
        send(shortLived, message("stays", java.time.Duration.ZERO));
        org.assertj.core.api.Assertions.assertThat(receive(shortLived, 10))
                .extracting(d -> d.data().body()).containsExactly("stays");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (rows() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        org.assertj.core.api.Assertions.assertThat(rows()).as("the expired row was swept").isEqualTo(1);
    }

    /**
     * A receive starts at its floor ({@link ReceiveFloors}); a message written below it, by a node whose clock is
     * behind, is received all the same (at the latest when a receive finds nothing above the floor).
     */
    @org.junit.jupiter.api.Test
    void aMessageFromANodeWhoseClockIsBehindIsStillReceived() {
        send("first", "second");
        org.assertj.core.api.Assertions.assertThat(receive(1)).extracting(d -> d.data().body())
                .containsExactly("first");
        send(key, message("from a clock ten seconds behind", java.time.Duration.ofSeconds(-10)));
        java.util.List<String> next = new java.util.ArrayList<>();
        next.addAll(receive(1).stream().map(d -> d.data().body()).toList());
        next.addAll(receive(1).stream().map(d -> d.data().body()).toList());
        org.assertj.core.api.Assertions.assertThat(next)
                .containsExactlyInAnyOrder("second", "from a clock ten seconds behind");
        org.assertj.core.api.Assertions.assertThat(receive(1)).isEmpty();
    }

    /**
     * A visibility change (another node's) that commits while a delete batch waits for the message's lock: the batch
     * locks the changed row, which its TID scan cannot see, so it asks again; the message is deleted, not left to
     * come back after its visibility timeout with the delete acknowledged.
     */
    @org.junit.jupiter.api.Test
    void aDeleteBatchDeletesAMessageWhoseVisibilityChangedWhileItWaitedForIt() throws Exception {
        send("changed while deleted");
        dev.postbox.core.store.Delivery delivery = receive(1).getFirst();
        try (Connection other = database.dataSource().getConnection(); Statement s = other.createStatement()) {
            s.execute("UPDATE postbox_message SET visible_at = visible_at + 1 WHERE sequence = "
                    + delivery.sequence());
            java.util.concurrent.CompletableFuture<QueueStore.DeleteOutcome> deleted = store.deleteAll(key,
                    List.of(new QueueStore.Receipt(delivery.sequence(), delivery.receiveCount())),
                    clock.instant()).getFirst();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!aStatementWaitsForALock() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            org.assertj.core.api.Assertions.assertThat(aStatementWaitsForALock()).as("the delete waits").isTrue();
            other.commit();
            org.assertj.core.api.Assertions.assertThat(deleted.get(5, java.util.concurrent.TimeUnit.SECONDS))
                    .isEqualTo(QueueStore.DeleteOutcome.DELETED);
        }
        org.assertj.core.api.Assertions.assertThat(rows()).as("the message's row is gone").isZero();
    }

    private static boolean aStatementWaitsForALock() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
                     + " WHERE wait_event_type = 'Lock' AND query LIKE '%DELETE FROM postbox_message%'")) {
            rs.next();
            boolean waiting = rs.getLong(1) > 0;
            c.commit();
            return waiting;
        }
    }

    private static long rows() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM postbox_message")) {
            rs.next();
            long count = rs.getLong(1);
            c.commit();
            return count;
        }
    }
}
