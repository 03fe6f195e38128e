package dev.postbox.store.postgres;

import dev.postbox.core.store.QueueKey;
import dev.postbox.core.time.Timer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The long polls waiting on this node, by queue. A poll is woken exactly once: by a change on this node that makes
 * a message receivable, by its alarm (the instant the earliest delayed or in-flight message becomes visible, on the
 * caller's timer), at its deadline, or when its queue is deleted or the store closes. Changes made by other nodes
 * reach it as hints ({@link ReceivableHints}) that ring its alarm.
 */
final class LocalWaiters {
    private final Map<QueueKey, Set<Waiter>> byQueue = new ConcurrentHashMap<>();
    private volatile boolean closed;

    final class Waiter {
        private final QueueKey queue;
        private final Instant deadline;
        private final Timer timer;
        private final Runnable wake;
        private Timer.Scheduled scheduled;
        private Timer.Scheduled lookAgain;
        private Instant alarmAt;
        private boolean fired;

        private Waiter(QueueKey queue, Instant deadline, Timer timer, Runnable wake) {
            this.queue = queue;
            this.deadline = deadline;
            this.timer = timer;
            this.wake = wake;
        }

        synchronized boolean done() {
            return fired;
        }

        Instant deadline() {
            return deadline;
        }

        /** Runs {@code look} at {@code at} unless the waiter is done by then. */
        synchronized void lookAgainAt(Instant at, Runnable look) {
            if (!fired) {
                lookAgain = timer.schedule(at, look);
            }
        }

        /** Rings at {@code at} instead, if that is earlier than the alarm set (and than the deadline). */
        synchronized void alarm(Instant at) {
            if (fired || alarmAt != null && !at.isBefore(alarmAt)) {
                return;
            }
            if (scheduled != null) {
                scheduled.cancel();
            }
            alarmAt = at.isBefore(deadline) ? at : deadline;
            scheduled = timer.schedule(alarmAt, this::fire);
        }

        void fire() {
            synchronized (this) {
                if (fired) {
                    return;
                }
                fired = true;
                if (scheduled != null) {
                    scheduled.cancel();
                }
                if (lookAgain != null) {
                    lookAgain.cancel();
                }
            }
            Set<Waiter> waiting = byQueue.get(queue);
            if (waiting != null) {
                waiting.remove(this);
            }
            wake.run();
        }
    }

    /** A new waiter with its deadline set; woken at once when the store is closed. */
    Waiter register(QueueKey queue, Instant deadline, Timer timer, Runnable wake) {
        Waiter waiter = new Waiter(queue, deadline, timer, wake);
        byQueue.computeIfAbsent(queue, q -> ConcurrentHashMap.newKeySet()).add(waiter);
        waiter.alarm(deadline);
        if (closed) {
            waiter.fire();
        }
        return waiter;
    }

    /** Messages of the queue become visible at {@code visibleAt}: wake its waiters now, or ring their alarms then. */
    void visibleAt(QueueKey queue, Instant visibleAt, Instant now) {
        if (visibleAt.isAfter(now)) {
            hint(queue, visibleAt);
        } else {
            wakeAll(queue);
        }
    }

    /** Another node says a message of the queue becomes visible at {@code at}: ring the alarms then. */
    void hint(QueueKey queue, Instant at) {
        for (Waiter waiter : List.copyOf(byQueue.getOrDefault(queue, Set.of()))) {
            waiter.alarm(at);
        }
    }

    /** Wakes every poll on this node (hints may have been missed). */
    void wakeEveryone() {
        byQueue.keySet().forEach(this::wakeAll);
    }

    void wakeAll(QueueKey queue) {
        Set<Waiter> waiting = byQueue.get(queue);
        if (waiting != null) {
            new ArrayList<>(waiting).forEach(Waiter::fire);
        }
    }

    void closeAll() {
        closed = true;
        byQueue.keySet().forEach(this::wakeAll);
    }
}
