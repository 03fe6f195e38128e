package dev.postbox.core.api;

import dev.postbox.core.time.Timer;

import java.util.concurrent.Executor;

/**
 * Where a caller's long polls resume and where their deadlines are kept.
 *
 * @param resumeOn where a long poll that was woken receives again: the caller's own event loop, say, so that its
 *                 answer needs no further hand-off. It must run tasks later, never inside {@code execute}, since
 *                 wake-ups come while a queue lock is held.
 * @param timer    keeps the deadlines of the caller's long polls, on the service's clock: a timer on the caller's own
 *                 event loop, say, so that a poll whose wait passes is ended by the thread that writes its answer and
 *                 no other thread wakes up for it (decision 0012). Its tasks only take a queue lock briefly and hand
 *                 off to {@code resumeOn}.
 */
public record Waits(Executor resumeOn, Timer timer) {
}
