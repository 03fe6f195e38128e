package dev.postbox.core.api;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Where a caller's long polls resume and where their deadlines are kept.
 *
 * @param resumeOn where a long poll that was woken receives again: the caller's own event loop, say, so that its
 *                 answer needs no further hand-off. It must run tasks later, never inside {@code execute}, since
 *                 wake-ups come while a queue lock is held.
 * @param timer    where the deadlines of the caller's long polls are kept. The caller's own event loop, say: then a
 *                 poll whose wait passes is ended by the thread that writes its answer, and no other thread wakes
 *                 up for it. Its tasks only take a queue lock briefly and hand off to {@code resumeOn}.
 */
public record Waits(Executor resumeOn, ScheduledExecutorService timer) {
    /** Runs each task on a new virtual thread. */
    public static final Executor VIRTUAL_THREADS = Thread::startVirtualThread;

    /** One timer thread shared by callers that have no scheduler of their own. */
    public static final ScheduledExecutorService SHARED_TIMER = sharedTimer();

    /** For callers that are not on an event loop: resume on new virtual threads, deadlines on the shared timer. */
    public static final Waits ON_VIRTUAL_THREADS = new Waits(VIRTUAL_THREADS, SHARED_TIMER);

    /** An event loop (an executor that is also a scheduler) resumes its own callers' polls and keeps their time. */
    public static Waits on(ScheduledExecutorService eventLoop) {
        return new Waits(eventLoop, eventLoop);
    }

    private static ScheduledExecutorService sharedTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "postbox-long-poll-timer");
            thread.setDaemon(true);
            return thread;
        });
        // Cancelled deadlines (most of them: a poll is usually woken or answered first) leave the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
