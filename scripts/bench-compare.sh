#!/usr/bin/env bash
# Runs the same workloads against Postbox (in-memory, then embedded) and ElasticMQ (its published server artifacts
# from Maven Central) on this machine, one server at a time, and prints every result line and a table of ratios.
# Usage: scripts/bench-compare.sh [seconds-per-run]
#   BENCH_SMOKE=1: tiny workloads, to prove the suite runs (CI); BENCH_SERVERS: which servers (default all three);
#   BENCH_WORKLOADS: which workloads by name (default all), e.g. BENCH_WORKLOADS="fifo drain";
#   BENCH_RUNS: runs of each timed workload on one server process (default 4; the table shows the last);
#   BENCH_DRAIN_RUNS: runs of each drain (default 12); BENCH_DRAIN_MESSAGES: the backlog of drain and raw-drain
#   (default 50000);
#   BENCH_ROUNDS: times the whole set is run (default 1); the table shows medians over the rounds;
#   BENCH_BASELINE=DIR: another checkout (built by its own ./postbox) as the servers baseline-memory,
#   baseline-embedded and baseline-postgres, to compare two builds side by side
#   (e.g. BENCH_SERVERS="postbox-memory baseline-memory");
#   BENCH_RATIO="A B": the ratio column divides server A's figures by B's (default: postbox-memory elasticmq)
#   BENCH_POSTGRES_URL=jdbc:postgresql://...: adds the server postbox-postgres (the postgres store on that database)
#   BENCH_DATABASE_PID=PID: that database's postmaster; every result then has database_cpu_us_per_msg (its process
#   tree's CPU time per message, whichever server ran: 0 for the others when the database is idle)
#   BENCH_RESET_SQL="…": run by psql on that database before each postgres server starts (e.g. "DROP SCHEMA public
#   CASCADE; CREATE SCHEMA public;"), so that each starts on a fresh schema, not on the rows earlier runs left
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
. "$root/scripts/ports.sh"
cd "$root"
seconds=${1:-10}
smoke=${BENCH_SMOKE:-0}
./mvnw -q -B install -DskipTests >/dev/null
./postbox --version >/dev/null # prepares the start-up cache (decision 0008) before anything is timed
servers=${BENCH_SERVERS:-"postbox-memory postbox-embedded elasticmq"}
if [[ " $servers " == *" baseline-"* ]]; then
  [ -x "${BENCH_BASELINE:-}/postbox" ] || { echo "baseline servers need BENCH_BASELINE=<checkout>" >&2; exit 2; }
  "$BENCH_BASELINE/postbox" --version >/dev/null
fi
if [[ " $servers " == *" elasticmq "* ]] && [ ! -d bench/elasticmq/target/lib ]; then
  ./mvnw -q -B -f bench/elasticmq/pom.xml dependency:copy-dependencies -DoutputDirectory=target/lib >/dev/null
fi
java="$JAVA_HOME/bin/java"
load_cp="bench/target/postbox-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*"
results=$(mktemp)
rounds=${BENCH_ROUNDS:-1}

if [ "$smoke" = 1 ]; then
  workloads=("send --clients 4 --seconds 1 --runs 2" "raw-send --clients 4 --seconds 1"
             "raw-send-batch --clients 4 --seconds 1" "drain --clients 2 --messages 500"
             "fifo --clients 2 --groups 4 --messages 200" "raw-fifo --clients 2 --groups 4 --messages 200"
             "longpoll-idle --pollers 20 --seconds 1 --short-poll-seconds 1 --wakeups 5"
             "raw-longpoll-idle --pollers 20 --seconds 1 --short-poll-seconds 1 --wakeups 5"
             "e2e --clients 2 --rate 100 --seconds 1")
  warmup=1
else
  # Every server process gets mixed traffic first (not measured), then runs its workload --runs times; the table
  # shows the last run. The figures are then the steady state, not a fresh JVM compiling its hot paths (whose CPU
  # the server's time per message would otherwise include): ElasticMQ needs some 30 s of load to get there.
  runs=${BENCH_RUNS:-4}
  # A drain run lasts 1-5 s against a timed run's 10: three times the runs, so that the load generator's own SDK paths
  # (its receive and delete) are compiled too before the reported run, as the server's are. Against a fast server the
  # client's JIT had not finished by the 8th run (client_jit_cpu_us_per_msg 24-56 in runs 4-8; decision 0010).
  drain_runs=${BENCH_DRAIN_RUNS:-12}
  drain_messages=${BENCH_DRAIN_MESSAGES:-50000}
  workloads=("send --clients 16 --seconds $seconds --runs $runs" "send-batch --clients 16 --seconds $seconds --runs $runs"
             "raw-send --clients 32 --seconds $seconds --runs $runs"
             "raw-send-batch --clients 16 --seconds $seconds --runs $runs"
             "drain --clients 8 --messages $drain_messages --runs $drain_runs"
             "fifo --clients 8 --groups 16 --messages 20000 --runs $drain_runs"
             "raw-drain --clients 8 --messages $drain_messages --runs $drain_runs"
             "raw-fifo --clients 8 --groups 16 --messages 20000 --runs $drain_runs"
             "e2e --clients 4 --rate 1000 --seconds $seconds --runs $runs"
             "longpoll-idle --pollers 10000 --seconds 20 --runs 2 --short-poll-seconds 15"
             "raw-longpoll-idle --pollers 10000 --seconds 20 --runs 2 --short-poll-seconds 15")
  warmup=${BENCH_WARMUP_SECONDS:-5}
fi

if [ -n "${BENCH_WORKLOADS:-}" ]; then
  chosen=()
  for workload in "${workloads[@]}"; do
    [[ " $BENCH_WORKLOADS " == *" ${workload%% *} "* ]] && chosen+=("$workload")
  done
  workloads=("${chosen[@]}")
fi

run_one() { # server label, workload, round
  local label=$1 workload=$2 round=$3 start port pid
  start=$(server_command "$label") || exit 2
  if [[ $label == *-postgres && -n ${BENCH_RESET_SQL:-} ]]; then
    psql -q "${BENCH_POSTGRES_URL#jdbc:}" -c "$BENCH_RESET_SQL" >/dev/null || { echo "BENCH_RESET_SQL failed" >&2; exit 1; }
  fi
  port=$(free_port)
  PORT=$port bash -c "$start" >"/tmp/bench-$label.log" 2>&1 &
  pid=$!
  wait_port "$port" || { echo "$label did not start" >&2; cat "/tmp/bench-$label.log" >&2; exit 1; }
  sleep 1
  server_pid=$(pgrep -P "$pid" java || echo "$pid")
  # shellcheck disable=SC2086
  "$java" -cp "$load_cp" dev.postbox.bench.LoadGenerator --endpoint "http://127.0.0.1:$port" --label "$label" \
    --server-pid "$server_pid" ${BENCH_DATABASE_PID:+--database-pid "$BENCH_DATABASE_PID"} --warmup-seconds "$warmup" --workload $workload | grep '^RESULT' \
    | sed "s/\$/ round=$round/" | tee -a "$results" \
    || echo "$label ${workload%% *}: the load generator failed (no row)" >&2 # the server is stopped all the same
  kill "$pid" 2>/dev/null || true; pkill -P "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}

server_command() {
  case $1 in
    # Postbox as users start it (./postbox: its JVM defaults and start-up cache), ElasticMQ with the JVM's defaults.
    postbox-memory) echo "exec ./postbox --storage memory --port \$PORT" ;;
    postbox-embedded) echo "exec ./postbox --data-dir \$(mktemp -d) --port \$PORT" ;;
    postbox-postgres) echo "exec ./postbox --storage postgres --postgres-url '${BENCH_POSTGRES_URL:?BENCH_POSTGRES_URL=jdbc:postgresql://... is needed for postbox-postgres}' --port \$PORT" ;;
    baseline-memory) echo "exec '$BENCH_BASELINE/postbox' --storage memory --port \$PORT" ;;
    baseline-embedded) echo "exec '$BENCH_BASELINE/postbox' --data-dir \$(mktemp -d) --port \$PORT" ;;
    baseline-postgres) echo "exec '$BENCH_BASELINE/postbox' --storage postgres --postgres-url '${BENCH_POSTGRES_URL:?BENCH_POSTGRES_URL=jdbc:postgresql://... is needed for baseline-postgres}' --port \$PORT" ;;
    elasticmq) echo "ELASTICMQ_PORT=\$PORT exec $java -Dconfig.file=bench/elasticmq/elasticmq.conf -cp 'bench/elasticmq/target/lib/*' org.elasticmq.server.Main" ;;
    *) echo "unknown server $1" >&2; return 2 ;;
  esac
}

# Each workload runs against every server before the next workload starts, so that the runs a ratio compares lie
# minutes apart, not most of an hour: this machine's speed drifts by up to 2x within an hour (decision 0010).
# Every other round runs the servers in reverse order, so that none always runs first or last after the others.
for ((round = 1; round <= rounds; round++)); do
  order=$servers
  [ $((round % 2)) -eq 0 ] && order=$(echo "$servers" | tr ' ' '\n' | tac | tr '\n' ' ')
  for workload in "${workloads[@]}"; do
    for server in $order; do
      run_one "$server" "$workload" "$round"
    done
  done
done

BENCH_SERVERS_SHOWN="$servers" python3 - "$results" "${BENCH_RATIO:-postbox-memory elasticmq}" <<'PY'
import os, sys, statistics
rows = {}  # (label, workload, round) -> the last run's fields
for line in open(sys.argv[1]):
    parts = line.split()
    fields = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
    rows[(parts[1], parts[2], fields.get("round", "1"))] = fields
workloads = sorted({w for _, w, _ in rows})
rounds = sorted({r for _, _, r in rows}, key=int)
def num(label, workload, rnd, key):
    try: return float(rows[(label, workload, rnd)][key])
    except (KeyError, ValueError): return None
def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
print()
if len(rounds) > 1:
    print(f"Medians over {len(rounds)} rounds; the ratio is the median of each round's own ratio.")
servers = os.environ["BENCH_SERVERS_SHOWN"].split()
ratio_of, ratio_to = sys.argv[2].split()
print("| workload | metric | " + " | ".join(servers) + f" | {ratio_of} / {ratio_to} |")
print("|---|---|" + "---|" * len(servers) + "---|")
for w in workloads:
    metrics = ["server_cpu_pct_of_one_core", "server_cpu_us_per_poll", "server_rss_mib", "wake_p50_ms", "wake_p99_ms"] \
              if w.endswith("longpoll-idle") else \
              ["msgs_per_s", "server_cpu_us_per_msg", "server_jit_cpu_us_per_msg", "p99_ms"] \
              + (["database_cpu_us_per_msg"] if os.environ.get("BENCH_DATABASE_PID") else [])
    for m in metrics:
        values = [median(num(l, w, r, m) for r in rounds) for l in servers]
        ratio = median(x / y if x is not None and y else None
                       for x, y in ((num(ratio_of, w, r, m), num(ratio_to, w, r, m)) for r in rounds))
        fmt = lambda v: "-" if v is None else f"{v:,.2f}"
        print(f"| {w} | {m} | " + " | ".join(fmt(v) for v in values)
              + f" | {'-' if ratio is None else f'{ratio:.2f}x'} |")
PY
