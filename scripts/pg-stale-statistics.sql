-- The stale-statistics reproduction of docs/performance.md's seventh step (decision 0018): 100,000 messages of
-- 1 KiB, all but the last deleted, VACUUM ANALYZE (the table keeps its pages and counts one row), 100,000 inserted;
-- then a receive of 10 planned with the node's session settings, in the join form before the fix and the ctid form
-- after it (both rolled back). In a throwaway schema of any PostgreSQL database:
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
DROP SCHEMA stale_statistics CASCADE;
