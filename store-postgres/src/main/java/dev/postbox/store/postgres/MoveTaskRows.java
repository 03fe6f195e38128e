package dev.postbox.store.postgres;

import dev.postbox.core.store.MoveTask;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static dev.postbox.store.postgres.Rows.instant;
import static dev.postbox.store.postgres.Rows.micros;
import static dev.postbox.store.postgres.Rows.update;

/**
 * Message move tasks in {@code postbox_move_task}: any node may run or resume a task (a task keeps running when the
 * node that started it dies), so every change is a row change in the caller's transaction.
 */
final class MoveTaskRows {
    private static final String TASK_COLUMNS = "task_id, source_arn, destination_arn, max_per_second, to_move,"
            + " moved, started_at, status, failure_reason";

    private MoveTaskRows() {
    }

    /** Starts the task unless its source has an active one; a source keeps its ten most recent tasks. */
    static Optional<MoveTask> start(Connection c, MoveTask task) throws SQLException {
        // One active task per source: serialise starts of the same source on an advisory transaction lock.
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
            lock.setString(1, task.sourceArn());
            lock.executeQuery().close();
        }
        List<MoveTask> history = ofSource(c, task.sourceArn());
        if (history.stream().anyMatch(t -> t.status().active())) {
            return Optional.empty();
        }
        insert(c, task);
        for (MoveTask old : history.subList(Math.min(history.size(), 9), history.size())) {
            update(c, "DELETE FROM postbox_move_task WHERE task_id = ?", old.taskId());
        }
        return Optional.of(task);
    }

    /** The source's ten most recent tasks, the newest first. */
    static List<MoveTask> ofSource(Connection c, String sourceArn) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM postbox_move_task"
                + " WHERE source_arn = ? ORDER BY started_at DESC LIMIT 10")) {
            select.setString(1, sourceArn);
            return tasks(select);
        }
    }

    /** Changes the task under its row lock; empty when the source has no such task. */
    static Optional<MoveTask> change(Connection c, String sourceArn, String taskId, UnaryOperator<MoveTask> change)
            throws SQLException {
        MoveTask current;
        try (PreparedStatement find = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM postbox_move_task"
                + " WHERE task_id = ? AND source_arn = ? FOR UPDATE")) {
            find.setString(1, taskId);
            find.setString(2, sourceArn);
            List<MoveTask> found = tasks(find);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            current = found.getFirst();
        }
        MoveTask changed = change.apply(current);
        // In place, never delete-and-insert: a concurrent change waiting on this row's lock would find it deleted
        // when this transaction commits, skip it, and report the task missing (a cancel racing the worker's progress).
        update(c, "UPDATE postbox_move_task SET destination_arn = ?, max_per_second = ?, to_move = ?, moved = ?,"
                + " started_at = ?, status = ?, failure_reason = ? WHERE task_id = ?", changed.destinationArn(),
                changed.maxNumberOfMessagesPerSecond(), changed.toMove(), changed.moved(), micros(changed.startedAt()),
                changed.status().name(), changed.failureReason(), taskId);
        return Optional.of(changed);
    }

    /** Every running or cancelling task, whichever node started it. */
    static List<MoveTask> active(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM postbox_move_task"
                + " WHERE status IN ('RUNNING', 'CANCELLING')")) {
            return tasks(select);
        }
    }

    private static void insert(Connection c, MoveTask task) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO postbox_move_task (" + TASK_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, task.taskId());
            insert.setString(2, task.sourceArn());
            insert.setString(3, task.destinationArn());
            if (task.maxNumberOfMessagesPerSecond() == null) {
                insert.setNull(4, Types.INTEGER);
            } else {
                insert.setInt(4, task.maxNumberOfMessagesPerSecond());
            }
            insert.setLong(5, task.toMove());
            insert.setLong(6, task.moved());
            insert.setLong(7, micros(task.startedAt()));
            insert.setString(8, task.status().name());
            insert.setString(9, task.failureReason());
            insert.executeUpdate();
        }
    }

    private static List<MoveTask> tasks(PreparedStatement select) throws SQLException {
        List<MoveTask> tasks = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                int perSecond = rs.getInt(4);
                Integer maxPerSecond = rs.wasNull() ? null : perSecond;
                tasks.add(new MoveTask(rs.getString(1), rs.getString(2), rs.getString(3), maxPerSecond,
                        rs.getLong(5), rs.getLong(6), instant(rs.getLong(7)), MoveTask.Status.valueOf(rs.getString(8)),
                        rs.getString(9)));
            }
        }
        return tasks;
    }
}
