package dev.postbox.store.rocksdb;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.DeleteMessage;
import dev.postbox.core.api.DeleteMessageBatch;
import dev.postbox.core.api.GetQueueAttributes;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.ReceiveMessage;
import dev.postbox.core.api.SendMessage;
import dev.postbox.core.api.SendMessageBatch;
import dev.postbox.core.api.StartMessageMoveTask;
import dev.postbox.core.service.QueueService;
import dev.postbox.core.store.QueueStore;
import dev.postbox.store.rocksdb.journal.FsyncPolicy;
import dev.postbox.store.rocksdb.journal.Journal;
import dev.postbox.store.rocksdb.journal.JournalFaults;
import dev.postbox.testkit.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service over the durable store: what a write failure looks like to a caller, and what outlives a restart. */
class DurableServiceTest {
    @TempDir
    Path directory;
    private final ManualClock clock = new ManualClock();
    private final CallContext call = new CallContext("http://localhost:9324", "tester", "us-east-1",
            clock.waitsOnVirtualThreads());
    private Journal journal;
    private QueueService service;

    private QueueService start() {
        journal = Journal.open(new Journal.Settings(directory, FsyncPolicy.ALWAYS, Duration.ofMillis(5),
                Journal.Settings.DEFAULT_SEGMENT_BYTES));
        RocksDbQueueStore store = RocksDbQueueStore.open(journal, clock, "us-east-1");
        service = new QueueService(store, clock, new ReceiptHandles(store.receiptHandleSecret()),
                QueueService.Settings.defaults()).resumeMoveTasks();
        return service;
    }

    private void stop() {
        service.close();
        journal.close();
    }

    @AfterEach
    void tearDown() {
        stop();
    }

    private String createQueue(String name, Map<String, String> attributes) {
        return QueueStore.await(service.createQueue(call, new CreateQueue.Request(name, attributes, Map.of())))
                .queueUrl();
    }

    private void send(String url, String body) {
        QueueStore.await(service.sendMessage(call, new SendMessage.Request(url, body, null, Map.of(), Map.of(),
                null, null)));
    }

    private List<ReceiveMessage.Message> receive(String url) {
        return QueueStore.await(service.receiveMessage(call, new ReceiveMessage.Request(url, List.of(), List.of(), 10,
                5, 0, null))).messages();
    }

    @Test
    void aFailedCommitFailsTheSendAndEachDeleteOfABatchAloneAndChangesNothing() {
        start();
        String url = createQueue("q", Map.of());
        send(url, "one");
        send(url, "two");
        List<ReceiveMessage.Message> held = receive(url);
        assertThat(held).hasSize(2);

        JournalFaults.failWrites(journal, true);
        assertThatThrownBy(() -> send(url, "lost")).isInstanceOfSatisfying(SqsException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));
        assertThatThrownBy(() -> QueueStore.await(service.sendMessageBatch(call, new SendMessageBatch.Request(url,
                List.of(new SendMessageBatch.RequestEntry("a", "lost too", null, Map.of(), Map.of(), null, null))))))
                .isInstanceOfSatisfying(SqsException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));
        assertThatThrownBy(() -> QueueStore.await(service.deleteMessage(call, new DeleteMessage.Request(url,
                held.get(0).receiptHandle())))).isInstanceOf(SqsException.class);
        DeleteMessageBatch.Result deletes = QueueStore.await(service.deleteMessageBatch(call,
                new DeleteMessageBatch.Request(url, List.of(
                        new DeleteMessageBatch.RequestEntry("a", held.get(0).receiptHandle()),
                        new DeleteMessageBatch.RequestEntry("b", held.get(1).receiptHandle()),
                        new DeleteMessageBatch.RequestEntry("c", "not-a-handle")))));
        assertThat(deletes.successful()).isEmpty();
        assertThat(deletes.failed()).extracting(e -> e.id() + " " + e.senderFault() + " " + e.code())
                .containsExactly("a false ServiceUnavailable", "b false ServiceUnavailable",
                        "c true ReceiptHandleIsInvalid");

        JournalFaults.failWrites(journal, false);
        clock.advanceSeconds(5);
        assertThat(receive(url)).extracting(ReceiveMessage.Message::body).containsExactlyInAnyOrder("one", "two");
    }

    @Test
    void aRunningMoveTaskResumesAfterARestart() throws Exception {
        start();
        String deadLetters = createQueue("dlq", Map.of());
        String source = createQueue("source", Map.of("RedrivePolicy",
                "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\",\"maxReceiveCount\":\"1\"}"));
        for (int i = 0; i < 3; i++) {
            send(source, "m" + i);
        }
        receive(source);
        clock.advanceSeconds(5);
        assertThat(receive(source)).as("each went to the dead-letter queue on its second receive").isEmpty();
        String dlqArn = "arn:aws:sqs:us-east-1:000000000000:dlq";
        QueueStore.await(service.startMessageMoveTask(call, new StartMessageMoveTask.Request(dlqArn, null, 1)));

        stop(); // the worker stops between messages, its task still RUNNING in the store
        assertThat(moveTask(start(), dlqArn).status()).as("resumed, not ended").isIn("RUNNING", "COMPLETED");

        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!moveTask(service, dlqArn).status().equals("COMPLETED") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        ListMessageMoveTasks.Entry done = moveTask(service, dlqArn);
        assertThat(done.status()).isEqualTo("COMPLETED");
        assertThat(done.approximateNumberOfMessagesMoved()).isEqualTo(3);
        assertThat(receive(source)).extracting(ReceiveMessage.Message::body)
                .containsExactlyInAnyOrder("m0", "m1", "m2");
        assertThat(QueueStore.await(service.getQueueAttributes(call, new GetQueueAttributes.Request(deadLetters,
                List.of("ApproximateNumberOfMessages")))).attributes())
                .containsEntry("ApproximateNumberOfMessages", "0");
    }

    private ListMessageMoveTasks.Entry moveTask(QueueService service, String sourceArn) {
        return QueueStore.await(service.listMessageMoveTasks(call, new ListMessageMoveTasks.Request(sourceArn, 1)))
                .results().getFirst();
    }
}
