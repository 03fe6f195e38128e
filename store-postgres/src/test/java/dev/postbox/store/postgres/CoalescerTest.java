package dev.postbox.store.postgres;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which requests share a step; the steps here are held open by the test, as a slow statement would be. */
class CoalescerTest {
    /** The requests of each step started, in order. */
    private final List<List<String>> steps = new CopyOnWriteArrayList<>();
    /** Each started step's answer, completed by the test. */
    private final List<CompletableFuture<List<String>>> running = new CopyOnWriteArrayList<>();

    private Coalescer<String, String, String> coalescer(int parallel, int maxRequests) {
        return new Coalescer<>(parallel, maxRequests, (key, requests) -> {
            steps.add(requests);
            CompletableFuture<List<String>> answer = new CompletableFuture<>();
            running.add(answer);
            return answer;
        });
    }

    /** Completes the step with each request's answer: the request, upper-cased. */
    private void finish(int step) {
        running.get(step).complete(steps.get(step).stream().map(String::toUpperCase).toList());
    }

    @Test
    void aRequestAloneRunsAtOnceInAStepOfItsOwn() throws Exception {
        Coalescer<String, String, String> coalescer = coalescer(1, 10);
        CompletableFuture<String> a = coalescer.submit("q", "a");
        assertThat(steps).containsExactly(List.of("a"));
        finish(0);
        assertThat(a.get()).isEqualTo("A");
        assertThat(coalescer.busyKeys()).isZero();
    }

    @Test
    void requestsArrivingWhileTheKeysStepsRunGoTogetherInTheNextStep() throws Exception {
        Coalescer<String, String, String> coalescer = coalescer(2, 10);
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String request : List.of("a", "b", "c", "d", "e")) {
            answers.add(coalescer.submit("q", request));
        }
        assertThat(steps).as("two running, three waiting").containsExactly(List.of("a"), List.of("b"));
        finish(1);
        assertThat(steps).last().isEqualTo(List.of("c", "d", "e"));
        finish(0);
        finish(2);
        assertThat(steps).hasSize(3);
        assertThat(answers).extracting(CompletableFuture::get).containsExactly("A", "B", "C", "D", "E");
        assertThat(coalescer.busyKeys()).isZero();
    }

    @Test
    void aStepTakesAtMostMaxRequestsAndTheRestGoNext() {
        Coalescer<String, String, String> coalescer = coalescer(1, 2);
        for (String request : List.of("a", "b", "c", "d")) {
            coalescer.submit("q", request);
        }
        finish(0);
        assertThat(steps).containsExactly(List.of("a"), List.of("b", "c"));
        finish(1);
        assertThat(steps).containsExactly(List.of("a"), List.of("b", "c"), List.of("d"));
    }

    @Test
    void requestsOfDifferentKeysNeverShareAStep() {
        Coalescer<String, String, String> coalescer = coalescer(1, 10);
        coalescer.submit("q1", "a");
        coalescer.submit("q2", "b");
        coalescer.submit("q1", "c");
        coalescer.submit("q2", "d");
        assertThat(steps).containsExactly(List.of("a"), List.of("b"));
        finish(0);
        finish(1);
        assertThat(steps).containsExactly(List.of("a"), List.of("b"), List.of("c"), List.of("d"));
    }

    @Test
    void aFailedStepFailsEachOfItsRequestsAndTheNextStepStillRuns() throws Exception {
        Coalescer<String, String, String> coalescer = coalescer(1, 10);
        CompletableFuture<String> a = coalescer.submit("q", "a");
        CompletableFuture<String> b = coalescer.submit("q", "b");
        CompletableFuture<String> c = coalescer.submit("q", "c");
        running.getFirst().completeExceptionally(new IllegalStateException("the database is gone"));
        assertThatThrownBy(a::get).hasRootCauseMessage("the database is gone");
        assertThat(steps).containsExactly(List.of("a"), List.of("b", "c"));
        running.get(1).completeExceptionally(new IllegalStateException("still gone"));
        assertThatThrownBy(b::get).hasRootCauseMessage("still gone");
        assertThatThrownBy(c::get).hasRootCauseMessage("still gone");
        assertThat(coalescer.busyKeys()).isZero();
    }

    @Test
    void aStepThatThrowsInsteadOfAnsweringFailsItsRequests() {
        Coalescer<String, String, String> coalescer = new Coalescer<>(1, 10, (key, requests) -> {
            throw new IllegalStateException("no connection");
        });
        assertThatThrownBy(() -> coalescer.submit("q", "a").get()).hasRootCauseMessage("no connection");
        assertThat(coalescer.busyKeys()).isZero();
    }

    @Test
    void aStepAnsweringTheWrongNumberOfResultsFailsItsRequests() {
        Coalescer<String, String, String> coalescer = new Coalescer<>(1, 10,
                (key, requests) -> CompletableFuture.completedFuture(List.of()));
        assertThatThrownBy(() -> coalescer.submit("q", "a").get()).hasRootCauseMessage("0 answers to 1 requests");
    }
}
