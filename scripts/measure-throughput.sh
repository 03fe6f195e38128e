#!/usr/bin/env bash
# Send throughput (see it/src/test/java/dev/postbox/it/ThroughputProbe.java). Usage: STORAGE PRODUCERS SECONDS
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
cd "$root"
./mvnw -q -B install -DskipTests >/dev/null
cp=$(./mvnw -q -B -pl it dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec "$JAVA_HOME/bin/java" -cp "it/target/test-classes:$cp" dev.postbox.it.ThroughputProbe "$@"
