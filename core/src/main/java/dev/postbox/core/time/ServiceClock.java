package dev.postbox.core.time;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The service's time: the current instant, and timers that run tasks at instants of this same clock. Everything in
 * Postbox that depends on time reads it here, so that tests drive all of it (visibility, delays, retention,
 * long-poll deadlines) with a manual clock instead of sleeping.
 */
public interface ServiceClock extends InstantSource {
    /** A timer on this clock whose tasks run on {@code executor}: an event loop, say, to keep work on its thread. */
    Timer timerOn(ScheduledExecutorService executor);

    /** The system clock; its timers turn an instant into a delay from now on the executor's own scheduler. */
    static ServiceClock system() {
        return SystemClock.INSTANCE;
    }

    /** The system clock. */
    enum SystemClock implements ServiceClock {
        INSTANCE;

        @Override
        public Instant instant() {
            return Instant.now();
        }

        @Override
        public Timer timerOn(ScheduledExecutorService executor) {
            return (at, task) -> {
                long delayNanos = Math.max(0, Duration.between(Instant.now(), at).toNanos());
                ScheduledFuture<?> scheduled = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                return () -> scheduled.cancel(false);
            };
        }
    }
}
