package dev.postbox.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What PostgreSQL did for a statement (EXPLAIN ANALYZE), for the tests of plans. */
final class Explain {
    private static final Pattern BUFFERS = Pattern.compile("Buffers: shared(?: hit=(\\d+))?(?: read=(\\d+))?");

    private Explain() {
    }

    /** EXPLAIN ANALYZE of {@code statement} on {@code c} (its work rolled back): the plan with buffer counts. */
    static String analyze(Connection c, String statement, Object... parameters) throws SQLException {
        try (PreparedStatement explain = c.prepareStatement(
                "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, COSTS OFF) " + statement)) {
            Rows.bind(explain, 1, parameters);
            try (ResultSet rs = explain.executeQuery()) {
                return lines(rs);
            } finally {
                c.rollback();
            }
        }
    }

    static String lines(ResultSet rs) throws SQLException {
        StringBuilder plan = new StringBuilder();
        while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
        }
        return plan.toString();
    }

    /** The buffers the whole statement touched (the top node's count includes its children's). */
    static long buffers(String plan) {
        Matcher buffers = BUFFERS.matcher(plan);
        assertThat(buffers.find()).as("a plan with buffer counts:\n" + plan).isTrue();
        long hit = buffers.group(1) == null ? 0 : Long.parseLong(buffers.group(1));
        long read = buffers.group(2) == null ? 0 : Long.parseLong(buffers.group(2));
        return hit + read;
    }
}
