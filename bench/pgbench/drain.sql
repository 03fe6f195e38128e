-- One drain step of the postgres store, as raw SQL: the node's receive of :batch (10 per request; more when requests
-- go together) (scanning from a floor, as
-- ReceiveFloors does: the oldest visible_at this client took last time, or the head when that found nothing) and
-- its DeleteMessageBatch statement. Run by scripts/pgbench-drain.sh.
WITH picked AS (
    SELECT ctid, sequence, visible_at FROM postbox_message
    WHERE incarnation = :incarnation AND visible_at >= :floor AND visible_at <= 1000000000000000 AND retained_from > 0
    ORDER BY visible_at, sequence LIMIT :batch FOR UPDATE SKIP LOCKED),
taken AS (
    UPDATE postbox_message m SET visible_at = 1000000030000000, receive_count = m.receive_count + 1,
        first_received_at = coalesce(m.first_received_at, 1000000000000000)
    WHERE m.ctid = ANY(ARRAY(SELECT ctid FROM picked))
    RETURNING m.sequence, m.receive_count, m.first_received_at, m.sequence_number, m.payload)
SELECT coalesce(array_agg(t.sequence), '{}') AS sequences, coalesce(array_agg(t.receive_count), '{}') AS counts,
    coalesce(min(p.visible_at), 0) AS floor, count(*) AS taken, sum(length(t.payload)) AS bytes
FROM taken t JOIN picked p USING (sequence)
\gset
\if :taken > 0
WITH found AS (
    SELECT ctid, sequence, receive_count, visible_at FROM postbox_message
    WHERE incarnation = :incarnation AND sequence = ANY(:sequences::bigint[]) AND retained_from > 0
    FOR UPDATE),
gone AS (
    DELETE FROM postbox_message m
    WHERE m.ctid = ANY(ARRAY(
        SELECT f.ctid FROM found f JOIN unnest(:sequences::bigint[], :counts::int[]) AS r(sequence, receive_count)
            ON r.sequence = f.sequence AND r.receive_count = f.receive_count
        WHERE NOT (false AND f.visible_at <= 1000000000000000)))
    RETURNING m.sequence)
SELECT f.sequence, f.receive_count, f.visible_at, g.sequence IS NOT NULL AS deleted
FROM found f LEFT JOIN gone g USING (sequence);
\endif
