package dev.postbox.testkit;

import dev.postbox.core.api.Waits;
import dev.postbox.core.time.ServiceClock;
import dev.postbox.core.time.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test says so, and whose timers fire when it moves past their instants. Thread-safe.
 *
 * <p>A task whose instant has come is handed to its timer's executor, never run inside {@link #advance} or
 * {@link Timer#schedule} (their callers may hold locks the task takes); a test that moves the clock then waits for
 * the task's effect.
 */
public final class ManualClock implements ServiceClock {
    private record Pending(Instant at, long order, Executor executor, Runnable task) {
    }

    private final AtomicLong order = new AtomicLong();
    private final TreeSet<Pending> pending = new TreeSet<>((a, b) -> {
        int byInstant = a.at().compareTo(b.at());
        return byInstant != 0 ? byInstant : Long.compare(a.order(), b.order());
    });
    private Instant now;

    public ManualClock(Instant start) {
        this.now = start;
    }

    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }

    public Instant advance(Duration duration) {
        List<Pending> due = new ArrayList<>();
        Instant reached;
        synchronized (this) {
            now = now.plus(duration);
            reached = now;
            while (!pending.isEmpty() && !pending.first().at().isAfter(now)) {
                due.add(pending.pollFirst());
            }
        }
        due.forEach(p -> p.executor().execute(p.task()));
        return reached;
    }

    public Instant advanceSeconds(long seconds) {
        return advance(Duration.ofSeconds(seconds));
    }

    /** Tasks waiting for an instant this clock has not reached yet (for tests that check nothing is left behind). */
    public synchronized int pendingTimers() {
        return pending.size();
    }

    @Override
    public Timer timerOn(ScheduledExecutorService executor) {
        return timerOn((Executor) executor);
    }

    /**
     * For callers that are not on an event loop (tests of the service, say): long polls resume on new virtual threads
     * and their deadlines come when this clock is moved past them.
     */
    public Waits waitsOnVirtualThreads() {
        return new Waits(Thread::startVirtualThread, timerOn(Thread::startVirtualThread));
    }

    private Timer timerOn(Executor executor) {
        return (at, task) -> {
            Pending entry = new Pending(at, order.incrementAndGet(), executor, task);
            synchronized (this) {
                if (at.isAfter(now)) {
                    pending.add(entry);
                    return () -> {
                        synchronized (this) {
                            pending.remove(entry);
                        }
                    };
                }
            }
            executor.execute(task);
            return () -> { };
        };
    }
}
