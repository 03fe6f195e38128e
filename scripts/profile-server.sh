#!/usr/bin/env bash
# CPU profile of a Postbox server while one load-generator workload is measured (not while it warms up).
# Usage: scripts/profile-server.sh OUT.collapsed "<./postbox args>" <LoadGenerator args...>
#   e.g. scripts/profile-server.sh /tmp/fifo.collapsed "--storage memory" --workload fifo --runs 3
#   PROFILE_RUN=N profiles the Nth run of --runs (default: the last one asked for, else 1).
#   PROFILE_EVENT=alloc samples allocations (bytes) instead of CPU time.
# Uses async-profiler 4.1 (its jar from Maven Central), attached with jcmd; writes collapsed stacks (one line per
# stack with its sample count; flame-graph tools read them, or: sort -k2 -n -t' ' OUT | tail).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
. "$root/scripts/ports.sh"
cd "$root"
out=$(realpath -m "$1"); server_args=$2; shift 2
runs=1; args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = "--runs" ] && runs=${args[$((i + 1))]}; done
profile_run=${PROFILE_RUN:-$runs}
case ${PROFILE_EVENT:-cpu} in
  cpu) event="event=cpu,interval=1000000" ;;
  alloc) event="event=alloc" ;;
  *) echo "PROFILE_EVENT: cpu or alloc" >&2; exit 2 ;;
esac

./mvnw -q -B install -DskipTests >/dev/null
jar="$HOME/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar"
[ -f "$jar" ] || ./mvnw -q -B dependency:get -Dartifact=tools.profiler:async-profiler:4.1 >/dev/null
lib_dir=$(mktemp -d)
unzip -q -o "$jar" 'linux-x64/*' -d "$lib_dir"
agent="$lib_dir/linux-x64/libasyncProfiler.so"

port=$(free_port)
log=$(mktemp)
# shellcheck disable=SC2086
POSTBOX_JAVA_OPTS="${POSTBOX_JAVA_OPTS:-} -XX:+EnableDynamicAgentLoading" ./postbox $server_args --port "$port" \
  >"$log" 2>&1 &
launcher=$!
trap 'kill "$launcher" 2>/dev/null || true; rm -rf "$lib_dir"' EXIT
wait_port "$port" || { cat "$log" >&2; exit 1; }
server=$(pgrep -P "$launcher" java || echo "$launcher")
load_out=$(mktemp)
"$JAVA_HOME/bin/java" -cp "bench/target/postbox-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  dev.postbox.bench.LoadGenerator --endpoint "http://127.0.0.1:$port" --server-pid "$server" "$@" >"$load_out" 2>&1 &
load=$!
until [ "$(grep -c '^MEASURING' "$load_out")" -ge "$profile_run" ]; do
  kill -0 "$load" 2>/dev/null || { cat "$load_out" >&2; exit 1; }
  sleep 0.1
done
"$JAVA_HOME/bin/jcmd" "$server" JVMTI.agent_load "$agent" "\"start,$event\"" >/dev/null
until [ "$(grep -c '^RESULT' "$load_out")" -ge "$profile_run" ] || ! kill -0 "$load" 2>/dev/null; do sleep 0.1; done
"$JAVA_HOME/bin/jcmd" "$server" JVMTI.agent_load "$agent" "\"stop,file=$out,collapsed\"" >/dev/null
wait "$load" || true
grep '^RESULT' "$load_out"
echo "profile: $out ($(awk '{n += $NF} END {print n}' "$out") samples)"
