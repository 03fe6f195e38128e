package dev.postbox.core.time;

import java.time.Instant;

/**
 * Runs tasks when the service's clock reaches an instant (see {@link ServiceClock#timerOn}). Long-poll deadlines and
 * the alarms that wake a poll when a delayed or in-flight message becomes visible are kept by timers, so a test that
 * moves a manual clock moves them too.
 */
public interface Timer {
    /**
     * Runs {@code task} once the clock reaches {@code at} (soon, when it already has), on the timer's executor; never
     * inside this call, which callers may make while they hold a lock the task takes.
     */
    Scheduled schedule(Instant at, Runnable task);

    /** A task waiting for its instant. */
    interface Scheduled {
        /** The task will not run, unless it has already started. */
        void cancel();
    }
}
