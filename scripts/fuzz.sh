#!/usr/bin/env bash
# The fuzz properties (protocol/RequestFuzzTest: both decoders and the dispatcher; server/HttpFuzzTest: raw HTTP)
# run for MINUTES (default 10), in rounds of FUZZ_TRIES tries per property, each round with a fresh random seed.
# Stops at the first failure and prints jqwik's report (the shrunk sample and the seed that reproduces it).
# Usage: scripts/fuzz.sh [MINUTES]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
minutes=${1:-10}
tries=${FUZZ_TRIES:-20000}
end=$(( $(date +%s) + minutes * 60 ))
./mvnw -q -B install -DskipTests >/dev/null
log=$(mktemp)
rounds=0
while [ "$(date +%s)" -lt "$end" ]; do
  if ! ./mvnw -o -B test -pl protocol,server -Dtest='RequestFuzzTest,HttpFuzzTest' \
      -Dsurefire.failIfNoSpecifiedTests=false -Djqwik.tries.default="$tries" >"$log" 2>&1; then
    grep -a -B2 -A40 'AssertionError\|Shrunk Sample\|^Sample' "$log" | head -120
    echo "FUZZ FAILED after $rounds complete rounds; full log: $log"
    exit 1
  fi
  rounds=$((rounds + 1))
  echo "round $rounds: $tries tries of each of 3 properties, no failure"
done
echo "FUZZ OK: $rounds rounds x $tries tries x 3 properties in $minutes minutes"
