package dev.postbox.store.memory.engine;

import dev.postbox.core.store.MoveTask;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Message move tasks by source queue ARN: each source's ten most recent tasks, newest first, at most one of them
 * active. Not thread-safe: a store serialises its calls.
 */
public final class MoveTaskTable {
    /** A source queue keeps this many tasks (ListMessageMoveTasks returns at most ten). */
    public static final int HISTORY = 10;
    private static final Comparator<MoveTask> NEWEST_FIRST = Comparator.comparing(MoveTask::startedAt).reversed();

    /** Each source's tasks, newest first. */
    private final Map<String, List<MoveTask>> bySource = new HashMap<>();

    /** What a start changed: the task added, and the oldest ones it pushed out of the history. */
    public record Started(MoveTask task, List<MoveTask> evicted) {
    }

    /** Adds the task unless its source has an active one (then null). */
    public Started start(MoveTask task) {
        List<MoveTask> history = bySource.computeIfAbsent(task.sourceArn(), s -> new ArrayList<>());
        if (history.stream().anyMatch(t -> t.status().active())) {
            return null;
        }
        history.addFirst(task);
        List<MoveTask> evicted = new ArrayList<>();
        while (history.size() > HISTORY) {
            evicted.add(history.removeLast());
        }
        return new Started(task, evicted);
    }

    /** Takes back a start the store could not record: the task goes, the ones it pushed out come back. */
    public void undo(Started started) {
        List<MoveTask> history = bySource.get(started.task().sourceArn());
        history.remove(started.task());
        history.addAll(started.evicted().reversed());
    }

    /** Puts back a task a store recorded (in any order). */
    public void restore(MoveTask task) {
        List<MoveTask> history = bySource.computeIfAbsent(task.sourceArn(), s -> new ArrayList<>());
        history.add(task);
        history.sort(NEWEST_FIRST);
    }

    public List<MoveTask> tasks(String sourceArn) {
        return List.copyOf(bySource.getOrDefault(sourceArn, List.of()));
    }

    public Optional<MoveTask> find(String sourceArn, String taskId) {
        return bySource.getOrDefault(sourceArn, List.of()).stream().filter(t -> t.taskId().equals(taskId)).findFirst();
    }

    /** Replaces the task of the same id and source (a no-op when the history no longer has it). */
    public void replace(MoveTask task) {
        List<MoveTask> history = bySource.get(task.sourceArn());
        if (history != null) {
            history.replaceAll(t -> t.taskId().equals(task.taskId()) ? task : t);
        }
    }

    /** The task after {@code change}, or empty when there is no such task. */
    public Optional<MoveTask> update(String sourceArn, String taskId, UnaryOperator<MoveTask> change) {
        Optional<MoveTask> changed = find(sourceArn, taskId).map(change);
        changed.ifPresent(this::replace);
        return changed;
    }

    public List<MoveTask> active() {
        return bySource.values().stream().flatMap(List::stream).filter(t -> t.status().active()).toList();
    }
}
