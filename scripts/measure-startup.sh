#!/usr/bin/env bash
# Measures start-to-first-answered-request of ./postbox (the launcher as users run it: JDK discovery, default JVM
# options, the start-up cache; built and cache prepared beforehand) and its idle RSS.
# Usage: scripts/measure-startup.sh [runs] [storage]   (storage: embedded (default, in a fresh temp dir) or memory)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/ports.sh"
runs=${1:-5}
storage=${2:-embedded}
"$root/postbox" --version >/dev/null # builds and prepares the start-up cache if needed
times=()
for i in $(seq 1 "$runs"); do
  port=$(free_port)
  dir=$(mktemp -d)
  start=$(date +%s%N)
  "$root/postbox" --storage "$storage" --data-dir "$dir/data" --port "$port" >/dev/null 2>&1 &
  pid=$!
  until curl -fs -X POST -H 'X-Amz-Target: AmazonSQS.ListQueues' -H 'Content-Type: application/x-amz-json-1.0' \
      -d '{}' "http://127.0.0.1:$port/" >/dev/null 2>&1; do sleep 0.005; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 1
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  echo "run $i: first answered request after ${ms} ms, idle RSS $((rss_kb / 1024)) MiB"
  times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median start-to-first-request: " a[int((NR+1)/2)] " ms"}'
. "$root/scripts/jdk.sh"
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), storage: $storage"
