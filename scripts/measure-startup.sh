#!/usr/bin/env bash
# Measures start-to-first-answered-request of ./postbox (the launcher as users run it: JDK discovery, default JVM
# options, the start-up cache; built and cache prepared beforehand) and its idle RSS.
# Usage: scripts/measure-startup.sh [runs] [storage]   (storage: embedded (default, in a fresh temp dir) or memory)
# The probe is one Python process that retries a ListQueues request every 2 ms over plain sockets: a probe that
# forked curl every few milliseconds took ~200 ms of the 2 cores' time from the starting JVM.
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
  result=$(python3 - "$root/postbox" "$storage" "$dir/data" "$port" <<'PY'
import socket, subprocess, sys, time
launcher, storage, data_dir, port = sys.argv[1:5]
request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
           b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
start = time.monotonic()
server = subprocess.Popen([launcher, "--storage", storage, "--data-dir", data_dir, "--port", port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    if server.poll() is not None:
        sys.exit("postbox exited with status %d" % server.returncode)
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
            s.sendall(request)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                break
    except OSError:
        pass
    time.sleep(0.002)
print(round((time.monotonic() - start) * 1000), server.pid)
PY
)
  ms=${result% *}; pid=${result#* }
  sleep 1
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -rf "$dir"
  echo "run $i: first answered request after ${ms} ms, idle RSS $((rss_kb / 1024)) MiB"
  times+=("$ms")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median start-to-first-request: " a[int((NR+1)/2)] " ms"}'
. "$root/scripts/jdk.sh"
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1), storage: $storage"
