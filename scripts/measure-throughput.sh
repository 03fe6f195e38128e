#!/usr/bin/env bash
# Send throughput (see bench/src/main/java/dev/postbox/bench/probe/ThroughputProbe.java).
# Usage: STORAGE PRODUCERS SECONDS
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
./mvnw -q -B install -DskipTests >/dev/null
exec "$JAVA_HOME/bin/java" -cp "bench/target/postbox-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  dev.postbox.bench.probe.ThroughputProbe "$@"
