#!/usr/bin/env bash
# Longer crash soak for humans: the CrashRecoveryIT with more kill -9 cycles (default 200).
# Usage: scripts/crash-soak.sh [cycles]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
./mvnw -B -q install -DskipTests
./mvnw -B verify -pl it -Dit.test=CrashRecoveryIT -Dpostbox.crash.cycles="${1:-200}" | grep -E "crash test|Tests run|FAIL"
