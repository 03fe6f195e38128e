-- The stale-statistics reproduction of docs/performance.md's seventh and eighth steps (decisions 0018, 0023):
-- 100,000 messages of 1 KiB, all but the last deleted, VACUUM ANALYZE (the table keeps its pages and counts one row),
-- 100,000 inserted; then, planned for their values with the node's session settings (all rolled back): a receive of
-- 10 in the join form before 0018 and the ctid form after it; the long poll's probe as min(visible_at) before 0023
-- and as the visibility index's first entry after it; the delete batch of 10 before and after 0023, and once more
-- after the ANALYZE that StaleStatistics runs. In a throwaway schema of any PostgreSQL database:
--   psql -h 127.0.0.1 -p 55432 -U postgres -f scripts/pg-stale-statistics.sql
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS stale_statistics CASCADE;
CREATE SCHEMA stale_statistics;
SET search_path = stale_statistics;
\ir ../store-postgres/src/main/resources/db/postbox/V1__postbox_schema.sql
\ir ../store-postgres/src/main/resources/db/postbox/V2__tenanted_queues.sql
INSERT INTO postbox_message (incarnation, sequence, visible_at, retained_from, group_id, payload)
    SELECT 1, nextval('postbox_message_sequence'), g, 1, 't' || (g % 7), decode(repeat('ab', 1024), 'hex')
    FROM generate_series(1, 100000) g;
DELETE FROM postbox_message WHERE sequence <= 99999;
VACUUM ANALYZE postbox_message;
INSERT INTO postbox_message (incarnation, sequence, visible_at, retained_from, group_id, payload)
    SELECT 1, nextval('postbox_message_sequence'), g, 1, 't' || (g % 7), decode(repeat('ab', 1024), 'hex')
    FROM generate_series(1, 100000) g;
SELECT relpages, reltuples FROM pg_class WHERE oid = 'postbox_message'::regclass;
SET plan_cache_mode = force_custom_plan;
SET enable_bitmapscan = off;
\echo ==== before: sorts allowed, the picked rows found again by a join
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
WITH picked AS (
    SELECT incarnation, sequence, visible_at FROM postbox_message
    WHERE incarnation = 1 AND visible_at >= 0 AND visible_at <= 1000000000 AND retained_from > 0
    ORDER BY visible_at, sequence LIMIT 10 FOR UPDATE SKIP LOCKED)
UPDATE postbox_message m SET visible_at = 2000000000, receive_count = m.receive_count + 1
FROM picked WHERE m.incarnation = picked.incarnation AND m.sequence = picked.sequence
RETURNING m.sequence, picked.visible_at;
ROLLBACK;
\echo ==== after: the settings of the node, the picked rows found again by ctid
SET enable_sort = off;
SET jit = off;
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
WITH picked AS (
    SELECT ctid, sequence, visible_at FROM postbox_message
    WHERE incarnation = 1 AND visible_at >= 0 AND visible_at <= 1000000000 AND retained_from > 0
    ORDER BY visible_at, sequence LIMIT 10 FOR UPDATE SKIP LOCKED),
taken AS (
    UPDATE postbox_message m SET visible_at = 2000000000, receive_count = m.receive_count + 1
    WHERE m.ctid = ANY(ARRAY(SELECT ctid FROM picked))
    RETURNING m.sequence, m.receive_count)
SELECT t.sequence, t.receive_count, p.visible_at FROM taken t JOIN picked p USING (sequence);
ROLLBACK;
SET enable_seqscan = off;
\echo ==== the long-poll probe before 0023: min(visible_at)
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT min(visible_at) FROM postbox_message WHERE retained_from > 0 AND incarnation = 1;
\echo ==== the probe after 0023: the first entry of the visibility index
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT visible_at FROM postbox_message
WHERE incarnation = 1 AND visible_at >= -9223372036854775808 AND retained_from > 0 ORDER BY visible_at LIMIT 1;
\echo ==== the delete batch before 0023: its rows found again by sequence
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON)
WITH found AS (
    SELECT sequence, receive_count, visible_at FROM postbox_message
    WHERE incarnation = 1 AND sequence = ANY('{150000,150001,150002,150003,150004,150005,150006,150007,150008,150009}')
      AND retained_from > 0
    FOR UPDATE),
gone AS (
    DELETE FROM postbox_message m
    USING found f, unnest('{150000,150001,150002,150003,150004,150005,150006,150007,150008,150009}'::bigint[],
                          '{0,0,0,0,0,0,0,0,0,0}'::int[]) AS r(sequence, receive_count)
    WHERE m.incarnation = 1
      AND m.sequence = ANY('{150000,150001,150002,150003,150004,150005,150006,150007,150008,150009}')
      AND m.sequence = f.sequence AND r.sequence = f.sequence AND r.receive_count = f.receive_count
    RETURNING m.sequence)
SELECT sequence, receive_count, visible_at FROM found;
ROLLBACK;
\echo ==== the delete batch after 0023 (its rows found again by ctid), stale statistics, then after ANALYZE
PREPARE delete_batch(bigint[], int[]) AS
WITH found AS (
    SELECT ctid, sequence, receive_count, visible_at FROM postbox_message
    WHERE incarnation = 1 AND sequence = ANY($1) AND retained_from > 0
    FOR UPDATE),
gone AS (
    DELETE FROM postbox_message m
    WHERE m.ctid = ANY(ARRAY(
        SELECT f.ctid FROM found f JOIN unnest($1, $2) AS r(sequence, receive_count)
            ON r.sequence = f.sequence AND r.receive_count = f.receive_count))
    RETURNING m.sequence)
SELECT f.sequence, f.receive_count, f.visible_at, g.sequence IS NOT NULL AS deleted
FROM found f LEFT JOIN gone g USING (sequence);
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON)
EXECUTE delete_batch('{150000,150001,150002,150003,150004,150005,150006,150007,150008,150009}', '{0,0,0,0,0,0,0,0,0,0}');
ROLLBACK;
ANALYZE postbox_message;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY ON)
EXECUTE delete_batch('{150000,150001,150002,150003,150004,150005,150006,150007,150008,150009}', '{0,0,0,0,0,0,0,0,0,0}');
ROLLBACK;
DROP SCHEMA stale_statistics CASCADE;
