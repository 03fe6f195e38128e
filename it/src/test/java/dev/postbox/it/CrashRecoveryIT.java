package dev.postbox.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash test: a real {@code ./postbox} process on one data directory, under concurrent producers and consumers on a
 * standard and a FIFO queue, killed with SIGKILL at a random moment, restarted, again and again. Then it drains both
 * queues and checks:
 * <ul>
 *   <li>every acknowledged send was delivered (nothing acknowledged is lost);</li>
 *   <li>no message is delivered by a receive that started after its delete was acknowledged;</li>
 *   <li>FIFO: a message of a group is delivered only after a delete of every earlier (acknowledged) message of its
 *       group was issued — order holds across restarts (see {@link CrashWorkload});</li>
 *   <li>the queues end empty: counts agree with what was deleted.</li>
 * </ul>
 * Every other start uses small commit-log segments, so kills also land while segments turn over.
 * Cycles: {@code -Dpostbox.crash.cycles} (20 in CI); {@code scripts/crash-soak.sh N} runs more.
 */
class CrashRecoveryIT {
    private static final int CYCLES = Integer.getInteger("postbox.crash.cycles", 20);
    /** The configuration key {@code storage.commit-log-segment-bytes}, as the environment gives it. */
    private static final String SEGMENT_BYTES_VARIABLE = "POSTBOX_STORAGE_COMMIT_LOG_SEGMENT_BYTES";

    @TempDir
    Path dataDir;

    private int starts;
    private final CrashWorkload work = new CrashWorkload(false);

    @Test
    void acknowledgedWorkSurvivesKillMinus9() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int port = PostboxProcess.freePort();
        Path log = Path.of("target", "crash-test-server.log");
        String endpoint = "http://127.0.0.1:" + port;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            Process server = startServer(port, log);
            try (SqsClient sqs = PostboxProcess.client(endpoint)) {
                String standard = sqs.createQueue(b -> b.queueName("crash")).queueUrl();
                String fifo = sqs.createQueue(b -> b.queueName("crash.fifo")
                        .attributesWithStrings(Map.of("FifoQueue", "true"))).queueUrl();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
                for (int p = 0; p < 2; p++) {
                    workers.submit(() -> work.produceStandard(sqs, standard, running));
                }
                workers.submit(() -> work.produceFifo(sqs, fifo, running));
                for (int c = 0; c < 2; c++) {
                    workers.submit(() -> work.consume(sqs, standard, running, false));
                }
                workers.submit(() -> work.consume(sqs, fifo, running, true));
                Thread.sleep(300 + random.nextInt(1200));
                server.destroyForcibly(); // SIGKILL, at whatever the workers were doing
                server.waitFor(10, TimeUnit.SECONDS);
                running.set(false);
                workers.shutdown();
                assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
        }
        Process server = startServer(port, log);
        try (SqsClient sqs = PostboxProcess.client(endpoint)) {
            String standard = sqs.getQueueUrl(b -> b.queueName("crash")).queueUrl();
            String fifo = sqs.getQueueUrl(b -> b.queueName("crash.fifo")).queueUrl();
            work.drain(sqs, standard, false);
            work.drain(sqs, fifo, true);
            for (String url : List.of(standard, fifo)) {
                Map<String, String> left = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNamesWithStrings(
                        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
                assertThat(left).as("seed %d: %s after the drain", seed, url)
                        .containsEntry("ApproximateNumberOfMessages", "0")
                        .containsEntry("ApproximateNumberOfMessagesNotVisible", "0");
            }
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
        Set<String> missing = work.missing();
        if (!missing.isEmpty()) {
            // Diagnosis: are they on disk (a memory bug) or gone (a durability bug)? One more restart and drain.
            Process again = startServer(port, log);
            try (SqsClient sqs = PostboxProcess.client(endpoint)) {
                work.drain(sqs, sqs.getQueueUrl(b -> b.queueName("crash")).queueUrl(), false);
                work.drain(sqs, sqs.getQueueUrl(b -> b.queueName("crash.fifo")).queueUrl(), true);
            } finally {
                again.destroy();
                again.waitFor(10, TimeUnit.SECONDS);
            }
            long back = missing.stream().filter(work.delivered::contains).count();
            long fifoMissing = missing.stream().filter(b -> b.startsWith("f-")).count();
            throw new AssertionError(String.format("seed %d: %d of %d acknowledged sends were never delivered"
                            + " (%d FIFO, %d standard); %d of them came back after one more restart; first: %s",
                    seed, missing.size(), work.ackedSends.size(), fifoMissing, missing.size() - fifoMissing, back,
                    missing.stream().limit(30).toList()));
        }
        assertThat(work.violations).as("seed %d", seed).isEmpty();
        assertThat(work.ackedSends.size()).as("the test produced work").isGreaterThan(CYCLES * 10);
        System.out.printf("crash test: %d cycles, %d acknowledged sends, %d acknowledged deletes, seed %d%n",
                CYCLES, work.ackedSends.size(), work.deleteAckedAt.size(), seed);
    }

    private Process startServer(int port, Path log) throws IOException, InterruptedException {
        Map<String, String> environment = new java.util.HashMap<>();
        if (starts++ % 2 == 0) {
            // Every other start, the first included, creates 64 KiB commit-log segments (not 64 MiB; segments keep
            // their size when reused): they fill, get checkpointed, reclaimed and reused many times per cycle, so the
            // kills land in all of that too.
            environment.put(SEGMENT_BYTES_VARIABLE, Integer.toString(64 * 1024));
        }
        return PostboxProcess.start(port, log, environment, "--storage", "embedded", "--data-dir", dataDir.toString());
    }
}
