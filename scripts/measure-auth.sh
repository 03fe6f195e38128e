#!/usr/bin/env bash
# SigV4's cost: the same build alternately with auth.mode=sigv4 (the load generator's credentials, bench/bench) and
# off, ROUNDS times each, on the memory store. The raw-connection warm-up sends unsigned requests, so there is none:
# read the last run of each workload.
#   scripts/measure-auth.sh [ROUNDS] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-2}
seconds=${2:-10}
for round in $(seq 1 "$rounds"); do
  for mode in sigv4 off; do
    if [ "$mode" = sigv4 ]; then
      export POSTBOX_AUTH_MODE=sigv4 POSTBOX_AUTH_ACCESS_KEY_ID=bench POSTBOX_AUTH_SECRET_ACCESS_KEY=bench
    else
      unset POSTBOX_AUTH_MODE POSTBOX_AUTH_ACCESS_KEY_ID POSTBOX_AUTH_SECRET_ACCESS_KEY
    fi
    BENCH_WARMUP_SECONDS=0 BENCH_SERVERS="postbox-memory" BENCH_WORKLOADS="${BENCH_WORKLOADS:-send send-batch drain}" \
      BENCH_RUNS=3 BENCH_DRAIN_RUNS=3 "$root/scripts/bench-compare.sh" "$seconds" 2>/dev/null \
      | grep '^RESULT' | sed "s/^/auth=$mode round=$round /"
  done
done
