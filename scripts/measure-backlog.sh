#!/usr/bin/env bash
# Large-backlog measurement of the embedded store with a 1 GiB heap.
# Usage: scripts/measure-backlog.sh MESSAGES DATA_DIR   (reuses DATA_DIR if it already holds the messages)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
./mvnw -q -B install -DskipTests >/dev/null
cp=$(./mvnw -q -B -pl store-embedded dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "store-embedded/target/test-classes:store-embedded/target/classes:$cp" \
  dev.postbox.store.embedded.BacklogProbe "$1" "$2"
