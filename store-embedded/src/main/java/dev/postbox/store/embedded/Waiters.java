package dev.postbox.store.embedded;

import dev.postbox.core.api.Waits;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The long polls waiting on one queue, oldest first. Guarded by the queue's lock. A waiting poll is a callback, not a
 * parked thread: 10,000 idle long polls cost 10,000 small objects and timer entries, no stacks.
 *
 * <p>Joining, leaving and waking are O(1) (an earlier {@code Condition}-based version walked the whole wait queue
 * under the lock whenever a poll timed out; JFR showed that walk as most of the CPU with 10,000 idle pollers).
 *
 * <p>The alarm: a message that is in flight or delayed becomes receivable at a known instant without anyone
 * touching the queue. The queue keeps one alarm per queue (not one per waiter, which would wake every waiter at
 * once) that wakes the longest-waiting poll when the earliest such message is due; that poll receives it, and a
 * receive that leaves more behind wakes the next waiter.
 *
 * <p>Invariant: each waiter's callback runs exactly once — when it is woken, when its wait passes, or when the queue
 * closes — and whoever removes it from {@code parked} (under the lock) is the one who runs it.
 */
final class Waiters {
    /** Alarms (one per queue at most); wait deadlines are kept by each caller's timer. */
    private static final ScheduledExecutorService ALARMS = Waits.SHARED_TIMER;

    /** One waiting long poll. */
    private static final class Waiter {
        private final Runnable wake;
        private ScheduledFuture<?> deadline;

        private Waiter(Runnable wake) {
            this.wake = wake;
        }
    }

    private final ReentrantLock lock;
    private final LinkedHashSet<Waiter> parked = new LinkedHashSet<>();
    private ScheduledFuture<?> alarm;
    private long alarmAt;

    /** @param lock the queue's lock, which guards this object and which the timer takes to wake a waiter */
    Waiters(ReentrantLock lock) {
        this.lock = lock;
    }

    /**
     * Under the lock: {@code wake} joins, to be run once when woken, when {@code nanos} have passed (on
     * {@code timer}), or when the queue closes. It may run under the queue's lock, so it must only hand work off.
     */
    void join(Runnable wake, long nanos, ScheduledExecutorService timer) {
        Waiter waiter = new Waiter(wake);
        // Scheduled before it is parked: a timer that refuses the task (an event loop shutting down) leaves nothing
        // parked without a deadline. The deadline cannot fire before the add: it takes the lock we hold.
        waiter.deadline = timer.schedule(() -> expire(waiter), nanos, TimeUnit.NANOSECONDS);
        parked.add(waiter);
    }

    boolean isEmpty() {
        return parked.isEmpty();
    }

    /** Under the lock: wakes up to {@code count} waiters, the longest-waiting first. */
    void wake(long count) {
        Iterator<Waiter> oldestFirst = parked.iterator();
        for (long i = 0; i < count && oldestFirst.hasNext(); i++) {
            Waiter waiter = oldestFirst.next();
            oldestFirst.remove();
            waiter.deadline.cancel(false);
            waiter.wake.run();
        }
    }

    /** Under the lock: wakes every waiter and stops the alarm (queue deleted, server stopping). */
    void wakeAll() {
        wake(Long.MAX_VALUE);
        if (alarm != null) {
            alarm.cancel(false);
            alarm = null;
        }
    }

    /**
     * Under the lock, while someone waits: makes sure one waiter is woken no later than {@code delayNanos} from
     * now (a no-op when an earlier alarm is set).
     */
    void wakeOneWithin(long delayNanos) {
        long at = System.nanoTime() + Math.max(0, delayNanos);
        if (alarm != null && at - alarmAt >= 0) {
            return;
        }
        if (alarm != null) {
            alarm.cancel(false);
        }
        alarmAt = at;
        alarm = ALARMS.schedule(() -> ring(at), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void ring(long at) {
        lock.lock();
        try {
            if (alarm != null && alarmAt == at) {
                alarm = null;
            }
            wake(1);
        } finally {
            lock.unlock();
        }
    }

    private void expire(Waiter waiter) {
        boolean mine;
        lock.lock();
        try {
            mine = parked.remove(waiter);
        } finally {
            lock.unlock();
        }
        if (mine) {
            waiter.wake.run();
        }
    }
}
