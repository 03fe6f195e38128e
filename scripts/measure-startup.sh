#!/usr/bin/env bash
# Measures start-to-first-answered-request of the built server (./postbox builds it first) and its idle RSS.
# Usage: scripts/measure-startup.sh [runs]   (prints one line per run, then the median)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
"$root/postbox" --help >/dev/null
runs=${1:-5}
times=()
for i in $(seq 1 "$runs"); do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  start=$(date +%s%N)
  "$JAVA_HOME/bin/java" ${POSTBOX_JAVA_OPTS:-} -jar "$root/server/target/postbox-server.jar" --storage memory --port "$port" >/dev/null 2>&1 &
  pid=$!
  until curl -fs -X POST -H 'X-Amz-Target: AmazonSQS.ListQueues' -H 'Content-Type: application/x-amz-json-1.0' \
      -d '{}' "http://127.0.0.1:$port/" >/dev/null 2>&1; do sleep 0.005; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 1
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "run $i: first answered request after ${ms} ms, idle RSS $((rss_kb / 1024)) MiB"
  times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median start-to-first-request: " a[int((NR+1)/2)] " ms"}'
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
