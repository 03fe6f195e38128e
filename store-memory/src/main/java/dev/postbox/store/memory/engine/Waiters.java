package dev.postbox.store.memory.engine;

import dev.postbox.core.time.Timer;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The long polls waiting on one queue, oldest first. Guarded by the queue's lock. A waiting poll is a callback, not a
 * parked thread: 10,000 idle long polls cost 10,000 small objects and timer entries, no stacks.
 *
 * <p>Joining, leaving and waking are O(1) (an earlier {@code Condition}-based version walked the whole wait queue
 * under the lock whenever a poll timed out; JFR showed that walk as most of the CPU with 10,000 idle pollers).
 *
 * <p>Time: each waiter's deadline is kept by the timer its caller handed in (the caller's event loop, on the service's
 * clock: decision 0012, 0015). The alarm: a message that is in flight or delayed becomes receivable at a known instant
 * without anyone touching the queue. The queue keeps one alarm (not one per waiter, which would wake every waiter at
 * once) that wakes the longest-waiting poll when the earliest such message is due; that poll receives it, and a
 * receive that leaves more behind wakes the next waiter. The alarm runs on the timer of the waiter that was oldest
 * when it was set, so no thread of the store's own keeps time.
 *
 * <p>Invariant: each waiter's callback runs exactly once — when it is woken, when its deadline comes, or when the
 * queue closes — and whoever removes it from {@code parked} (under the lock) is the one who runs it.
 */
final class Waiters {
    /** One waiting long poll. */
    private static final class Waiter {
        private final Runnable wake;
        private final Timer timer;
        private Timer.Scheduled deadline;

        private Waiter(Runnable wake, Timer timer) {
            this.wake = wake;
            this.timer = timer;
        }
    }

    private final ReentrantLock lock;
    private final LinkedHashSet<Waiter> parked = new LinkedHashSet<>();
    private Timer.Scheduled alarm;
    private Instant alarmAt;

    /** @param lock the queue's lock, which guards this object and which the timers take to wake a waiter */
    Waiters(ReentrantLock lock) {
        this.lock = lock;
    }

    /**
     * Under the lock: {@code wake} joins, to be run once when woken, when {@code timer}'s clock reaches
     * {@code deadline}, or when the queue closes. It may run under the queue's lock, so it must only hand work off.
     */
    void join(Runnable wake, Instant deadline, Timer timer) {
        Waiter waiter = new Waiter(wake, timer);
        // Scheduled before it is parked: a timer that refuses the task (an event loop shutting down) leaves nothing
        // parked without a deadline. The deadline cannot take effect before the add: it takes the lock we hold.
        waiter.deadline = timer.schedule(deadline, () -> expire(waiter));
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
            waiter.deadline.cancel();
            waiter.wake.run();
        }
    }

    /** Under the lock: wakes every waiter and stops the alarm (queue deleted, server stopping). */
    void wakeAll() {
        wake(Long.MAX_VALUE);
        if (alarm != null) {
            alarm.cancel();
            alarm = null;
        }
    }

    /**
     * Under the lock, while someone waits: makes sure one waiter is woken no later than {@code at} (a no-op when an
     * alarm at or before it is set).
     */
    void wakeOneAt(Instant at) {
        if (alarm != null && !alarmAt.isAfter(at)) {
            return;
        }
        if (alarm != null) {
            alarm.cancel();
        }
        alarmAt = at;
        alarm = parked.getFirst().timer.schedule(at, () -> ring(at));
    }

    private void ring(Instant at) {
        lock.lock();
        try {
            if (alarm != null && alarmAt.equals(at)) {
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
