#!/usr/bin/env bash
# The raw-SQL ceiling of the postgres store's drain on this machine: pgbench runs the node's own statements (receive
# 10 from a floor, then its DeleteMessageBatch statement; bench/pgbench/drain.sql) over a backlog in Postbox's schema,
# with no node and no HTTP in between. Compare its msgs/s and database CPU per message with the drain workload's.
# Usage: BENCH_POSTGRES_URL=jdbc:postgresql://… [BENCH_DATABASE_PID=postmaster pid] scripts/pgbench-drain.sh [messages]
#   [clients]   (defaults 100000 and 8, as the benchmark's drain); BENCH_BODY_BYTES (default 1024) sizes the payload;
#   BENCH_PGBENCH_SCRIPT (default bench/pgbench/drain.sql) runs another formulation of the statements instead;
#   BENCH_PGBENCH_BATCH (default 10) messages per receive and delete (what requests that go together take)
# The schema is created afresh in its own schema, postbox_pgbench (dropped first), from the migrations.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
url=${BENCH_POSTGRES_URL:?BENCH_POSTGRES_URL=jdbc:postgresql://host:port/db?user=… is needed}
psql_url=${url#jdbc:}
messages=${1:-100000}
clients=${2:-8}
body=${BENCH_BODY_BYTES:-1024}
batch=${BENCH_PGBENCH_BATCH:-10}
pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
[ -x "$pgbench" ] || { echo "pgbench is not installed" >&2; exit 2; }

database_cpu() { # seconds of CPU of the database's process tree, reaped children included (0 without a pid)
  python3 - "${BENCH_DATABASE_PID:-0}" <<'PY'
import os, sys
pid, tick, total = sys.argv[1], os.sysconf("SC_CLK_TCK"), 0
if pid != "0":
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            s = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if s[1] == pid:
            total += int(s[11]) + int(s[12])
print(total / tick)
PY
}

psql -q "$psql_url" -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS postbox_pgbench CASCADE;
CREATE SCHEMA postbox_pgbench;
SET search_path = postbox_pgbench;
\i store-postgres/src/main/resources/db/postbox/V1__postbox_schema.sql
\i store-postgres/src/main/resources/db/postbox/V2__tenanted_queues.sql
INSERT INTO postbox_queue (account, name, incarnation, fifo, attributes, tags, created_at, modified_at)
    VALUES ('000000000000', 'pgbench-drain', 1, false, '{}', '{}', 0, 0);
INSERT INTO postbox_message (incarnation, sequence, visible_at, retained_from, group_id, payload)
    SELECT 1, nextval('postbox_message_sequence'), g, 1, '', decode(repeat('ab', $body), 'hex')
    FROM generate_series(1, $messages) g;
VACUUM ANALYZE postbox_message;
SQL

cpu_before=$(database_cpu)
start=$(date +%s.%N)
# The node's session settings (PostgresDatabase, decision 0023: plans cached, no sequential or bitmap scans, no sorts an
# index can spare, no JIT); statements prepared, as pgjdbc's.
PGOPTIONS="-c search_path=postbox_pgbench -c plan_cache_mode=auto -c enable_seqscan=off -c enable_bitmapscan=off -c enable_sort=off -c jit=off" "$pgbench" -n -M prepared -c "$clients" -j 2 \
  -t $((messages / batch / clients)) -D batch="$batch" -D incarnation=1 -D floor=0 -f "${BENCH_PGBENCH_SCRIPT:-bench/pgbench/drain.sql}" "$psql_url" \
  | grep -E '^(number of failed|latency average|tps)'
end=$(date +%s.%N)
cpu_after=$(database_cpu)
left=$(psql -qAt "$psql_url" -c "SELECT count(*) FROM postbox_pgbench.postbox_message")
python3 - "$messages" "$left" "$start" "$end" "$cpu_before" "$cpu_after" <<'PY'
import sys
messages, left, start, end, before, after = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
drained = messages - left
print(f"RESULT pgbench drain msgs_per_s={drained / (end - start):.0f} drained={drained} left={left}"
      f" database_cpu_us_per_msg={(after - before) * 1e6 / drained:.1f}")
PY
psql -q "$psql_url" -c "SET client_min_messages = warning" -c "DROP SCHEMA postbox_pgbench CASCADE" >/dev/null
