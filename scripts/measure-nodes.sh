#!/usr/bin/env bash
# Throughput of 1, 2, 3… Postbox nodes on one PostgreSQL database: for each node count, the nodes start on the
# database (its schema dropped first, so every count starts alike), and the load generator spreads its producers
# (send-batch) and consumers (drain) round robin over them, all on one queue.
# Usage: BENCH_POSTGRES_URL=jdbc:postgresql://… [BENCH_DATABASE_PID=postmaster pid] scripts/measure-nodes.sh "1 2 3"
#   BENCH_RUNS (default 3: the runs of each workload per node count; the last ones are the steady state)
#   BENCH_RESET_SQL (default: DROP SCHEMA public CASCADE; CREATE SCHEMA public;) run by psql on the URL's database
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
. "$root/scripts/ports.sh"
cd "$root"
counts=${1:-"1 2 3"}
url=${BENCH_POSTGRES_URL:?BENCH_POSTGRES_URL=jdbc:postgresql://host:port/db?user=… is needed}
runs=${BENCH_RUNS:-3}
./mvnw -q -B install -DskipTests >/dev/null
./postbox --version >/dev/null
load_cp="bench/target/postbox-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*"
psql_url=${url#jdbc:} # psql takes the same URL without the jdbc: prefix

for count in $counts; do
  psql -q "$psql_url" -c "${BENCH_RESET_SQL:-DROP SCHEMA public CASCADE; CREATE SCHEMA public;}" >/dev/null 2>&1
  pids=() endpoints=()
  for ((n = 1; n <= count; n++)); do
    port=$(free_port)
    ./postbox --storage postgres --postgres-url "$url" --port "$port" >"/tmp/measure-nodes-$n.log" 2>&1 &
    pids+=($!)
    wait_port "$port" || { echo "node $n did not start" >&2; cat "/tmp/measure-nodes-$n.log" >&2; exit 1; }
    endpoints+=("http://127.0.0.1:$port")
  done
  others=()
  for endpoint in "${endpoints[@]:1}"; do others+=(--also-endpoint "$endpoint"); done
  for workload in "send-batch --clients 16 --seconds 10" "drain --clients 8 --messages 50000"; do
    # shellcheck disable=SC2086
    "$JAVA_HOME/bin/java" -cp "$load_cp" dev.postbox.bench.LoadGenerator --endpoint "${endpoints[0]}" "${others[@]}" \
      --label "nodes=$count" ${BENCH_DATABASE_PID:+--database-pid "$BENCH_DATABASE_PID"} --warmup-seconds 5 \
      --runs "$runs" --workload $workload | grep '^RESULT' || echo "nodes=$count ${workload%% *}: failed" >&2
  done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; pkill -P "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
done
