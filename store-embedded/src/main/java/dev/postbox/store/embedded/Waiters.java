package dev.postbox.store.embedded;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The long polls parked on one queue, oldest first. Guarded by the queue's lock; the waiting itself happens outside
 * it.
 *
 * <p>Why not a {@code Condition}: with thousands of idle pollers, every poll that times out unlinks itself from a
 * condition queue by walking the whole queue under the lock (AQS {@code unlinkCancelledWaiters}); JFR showed that
 * walk as most of the server's CPU with 10,000 idle pollers. Here joining, leaving and waking are O(1).
 *
 * <p>The alarm: a message that is in flight or delayed becomes receivable at a known instant without anyone
 * touching the queue. The queue keeps one alarm per queue (not one timer per waiter, which would wake every
 * waiter at once) that wakes the longest-waiting poll when the earliest such message is due; that poll receives
 * it, and a receive that leaves more behind wakes the next waiter.
 */
final class Waiters {
    private static final ScheduledExecutorService ALARMS = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "postbox-long-poll-alarm");
        thread.setDaemon(true);
        return thread;
    });

    /** One parked long poll. {@code woken} is set (under the queue lock) by whoever removes it to wake it. */
    static final class Waiter {
        private final Thread thread = Thread.currentThread();
        private volatile boolean woken;

        /** Parks until woken or {@code nanos} have passed. The caller must {@link #leave} it afterwards. */
        void await(long nanos) throws InterruptedException {
            long deadline = System.nanoTime() + nanos;
            while (!woken) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }

        boolean woken() {
            return woken;
        }
    }

    private final ReentrantLock lock;
    private final LinkedHashSet<Waiter> parked = new LinkedHashSet<>();
    private ScheduledFuture<?> alarm;
    private long alarmAt;

    /** @param lock the queue's lock, which guards this object and which the alarm takes to wake a waiter */
    Waiters(ReentrantLock lock) {
        this.lock = lock;
    }

    /** Under the lock: the calling thread joins; it then awaits outside the lock. */
    Waiter join() {
        Waiter waiter = new Waiter();
        parked.add(waiter);
        return waiter;
    }

    /** Under the lock: a waiter that stopped waiting without being woken leaves (a no-op when it was woken). */
    void leave(Waiter waiter) {
        parked.remove(waiter);
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
            waiter.woken = true;
            LockSupport.unpark(waiter.thread);
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
}
