#!/usr/bin/env bash
# Large-backlog measurement of the embedded store with a 1 GiB heap
# (see bench/src/main/java/dev/postbox/bench/probe/BacklogProbe.java).
# Usage: scripts/measure-backlog.sh MESSAGES DATA_DIR   (reuses DATA_DIR if it already holds the messages)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
./mvnw -q -B install -DskipTests >/dev/null
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "bench/target/postbox-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" \
  dev.postbox.bench.probe.BacklogProbe "$1" "$2"
