package dev.postbox.core.api;

import java.util.concurrent.Executor;

/**
 * Facts about the caller that every operation may need.
 *
 * @param baseUrl  scheme, host and port that queue URLs handed to this caller must start with
 *                 (so that clients such as Java SDK v1, which send requests to the queue URL, reach us)
 * @param callerId the caller identity recorded as the {@code SenderId} of messages it sends
 * @param region   the region that appears in ARNs
 * @param resumeOn where work that resumes after a wait runs (a long poll that was woken): the caller's own event
 *                 loop, say, so that its answer needs no further hand-off. It must run tasks later, never inside
 *                 {@code execute}, since wake-ups come while a queue lock is held.
 */
public record CallContext(String baseUrl, String callerId, String region, Executor resumeOn) {
    /** Runs each task on a new virtual thread (the usual {@code resumeOn} when callers are not on an event loop). */
    public static final Executor VIRTUAL_THREADS = Thread::startVirtualThread;

    /** A caller whose waits resume on new virtual threads. */
    public CallContext(String baseUrl, String callerId, String region) {
        this(baseUrl, callerId, region, VIRTUAL_THREADS);
    }
}
