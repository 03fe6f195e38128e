package dev.postbox.store.postgres;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Combines concurrent requests with the same key (a queue's receives, sends, deletes) into one store step: while
 * {@code parallel} steps of a key are running, requests that arrive wait together, and the first step to finish
 * starts the next with all of them (at most {@code maxRequests}). A request that finds fewer steps of its key running
 * starts one at once, alone: coalescing never delays a request that nothing else delays, it fills the wait that the
 * contention would have caused anyway.
 *
 * <p>Why: the database's cost of a statement is mostly per statement (planning, index descents, the commit), not per
 * row. Measured with pgbench on the node's drain statements (decision 0017): receiving and deleting 40 messages per
 * statement took 60-68 µs of PostgreSQL CPU per message, 10 per statement 112-121 µs.
 *
 * <p>A step's failure fails every request in it, as each would have failed alone (the queue is gone, the database
 * is unreachable).
 *
 * @param <K> what requests must share to be combined
 * @param <Q> a request
 * @param <R> a request's answer
 */
final class Coalescer<K, Q, R> {
    /**
     * The store's steps of one key running at once. One: the requests that meet go in the fewest statements. Measured
     * on 2 cores, one node, 8 SDK consumers draining: PostgreSQL spent 69-81 µs per message with one step at a time,
     * 90-116 with two, and the drain was no slower (docs/performance.md, sixth step).
     */
    static final int PARALLEL = 1;
    /** The store's requests per step: ten of ten messages each, a hundred rows per statement at most. */
    static final int MAX_REQUESTS = 10;

    private final int parallel;
    private final int maxRequests;
    /** Runs the requests as one step, answering one result per request, in order. */
    private final BiFunction<K, List<Q>, CompletableFuture<List<R>>> step;
    /** The keys with steps running (and only those: a key leaves when its last step ends with nobody waiting). */
    private final Map<K, Lane<Q, R>> lanes = new ConcurrentHashMap<>();
    private final AtomicLong steps = new AtomicLong();

    private record Waiting<Q, R>(Q request, CompletableFuture<R> answer) {
    }

    /** A key's running steps and waiting requests; changed only inside {@code lanes.compute} for its key. */
    private static final class Lane<Q, R> {
        int running;
        final Queue<Waiting<Q, R>> waiting = new ArrayDeque<>();
    }

    Coalescer(int parallel, int maxRequests, BiFunction<K, List<Q>, CompletableFuture<List<R>>> step) {
        if (parallel < 1 || maxRequests < 1) {
            throw new IllegalArgumentException("parallel and maxRequests must be at least 1");
        }
        this.parallel = parallel;
        this.maxRequests = maxRequests;
        this.step = step;
    }

    /** The request's answer, from a step of its own or one shared with other requests of the key. */
    CompletableFuture<R> submit(K key, Q request) {
        Waiting<Q, R> waiting = new Waiting<>(request, new CompletableFuture<>());
        List<List<Waiting<Q, R>>> start = new ArrayList<>(1);
        lanes.compute(key, (k, lane) -> {
            Lane<Q, R> current = lane == null ? new Lane<>() : lane;
            current.waiting.add(waiting);
            if (current.running < parallel) {
                current.running++;
                start.add(take(current));
            }
            return current;
        });
        start.forEach(requests -> run(key, requests));
        return waiting.answer();
    }

    private void run(K key, List<Waiting<Q, R>> requests) {
        steps.incrementAndGet();
        CompletableFuture<List<R>> answers;
        try {
            answers = step.apply(key, requests.stream().map(Waiting::request).toList());
        } catch (RuntimeException e) {
            answers = CompletableFuture.failedFuture(e);
        }
        answers.whenComplete((results, failure) -> {
            finished(key);
            for (int i = 0; i < requests.size(); i++) {
                CompletableFuture<R> answer = requests.get(i).answer();
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else if (results.size() != requests.size()) {
                    answer.completeExceptionally(new IllegalStateException(results.size() + " answers to "
                            + requests.size() + " requests"));
                } else {
                    answer.complete(results.get(i));
                }
            }
        });
    }

    /** A step of the key ended: the requests that waited meanwhile go next, together. */
    private void finished(K key) {
        List<List<Waiting<Q, R>>> next = new ArrayList<>(1);
        lanes.compute(key, (k, lane) -> {
            if (lane.waiting.isEmpty()) {
                lane.running--;
                return lane.running == 0 ? null : lane;
            }
            next.add(take(lane));
            return lane;
        });
        next.forEach(requests -> run(key, requests));
    }

    private List<Waiting<Q, R>> take(Lane<Q, R> lane) {
        List<Waiting<Q, R>> taken = new ArrayList<>(Math.min(lane.waiting.size(), maxRequests));
        while (!lane.waiting.isEmpty() && taken.size() < maxRequests) {
            taken.add(lane.waiting.poll());
        }
        return taken;
    }

    /** How many steps ran (or run), alone or together. */
    long steps() {
        return steps.get();
    }

    /** How many keys have steps running (for tests: a key with none must not linger). */
    int busyKeys() {
        return lanes.size();
    }
}
