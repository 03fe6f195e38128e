#!/usr/bin/env bash
# As-a-user smoke test: start ./postbox, drive it with the aws CLI (create, send, receive, delete), check the
# returned MD5s against independently computed ones, then stop it with SIGTERM while a long poll waits.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/ports.sh"
port=$(free_port)
endpoint="http://127.0.0.1:$port"
log=$(mktemp)
data_dir=$(mktemp -d)
export AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
fail() { echo "SMOKE FAIL: $*" >&2; echo "--- server output:" >&2; cat "$log" >&2; exit 1; }

start_server() {
  "$root/postbox" --port "$port" --data-dir "$data_dir" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    curl -fs "$endpoint/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs "$endpoint/health" | grep -q UP || fail "server did not answer /health"
  grep -q "Postbox listening on http://127.0.0.1:$port" "$log" || fail "no 'listening' line"
}
start_server
trap 'kill -9 $pid 2>/dev/null || true' EXIT

sqs() { aws --endpoint-url "$endpoint" sqs "$@" --output json; }
queue_url=$(sqs create-queue --queue-name smoke | python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
[ "$queue_url" = "$endpoint/queue/us-east-1/000000000000/smoke" ] || fail "unexpected queue URL $queue_url"
# Regions are namespaces: the CLI's --region is the request's region, and its queue of the same name is another.
west_url=$(sqs create-queue --queue-name smoke --region eu-west-1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
[ "$west_url" = "$endpoint/queue/eu-west-1/000000000000/smoke" ] || fail "unexpected eu-west-1 queue URL $west_url"
listed=$(sqs list-queues --region eu-west-1 | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["QueueUrls"]))')
[ "$listed" = "$west_url" ] || fail "eu-west-1 lists $listed"

body=$'smoke body\r\nwith CR LF, ünïcödé & <xml>'
sent=$(sqs send-message --queue-url "$queue_url" --message-body "$body" \
  --message-attributes '{"Color":{"DataType":"String","StringValue":"blue"},"Count":{"DataType":"Number","StringValue":"3"},"Raw":{"DataType":"Binary","BinaryValue":"AAEC"}}')
received=$(sqs receive-message --queue-url "$queue_url" --message-attribute-names All --attribute-names All)

# Independent digests: body MD5 and the SQS message-attribute MD5 algorithm, written here in Python.
# aws CLI v1 sends a blob given on the command line as its raw text; v2 expects base64 and decodes it.
cli_major=$(aws --version 2>&1 | sed -n 's|^aws-cli/\([0-9]*\).*|\1|p')
SENT="$sent" RECEIVED="$received" BODY="$body" CLI_MAJOR="$cli_major" python3 - <<'PY' || fail "digest check failed"
import base64, hashlib, json, os, struct
sent, received, body = json.loads(os.environ["SENT"]), json.loads(os.environ["RECEIVED"]), os.environ["BODY"]
raw = b"AAEC" if os.environ["CLI_MAJOR"] == "1" else bytes([0, 1, 2])
attrs = {"Color": ("String", b"blue", 1), "Count": ("Number", b"3", 1), "Raw": ("Binary", raw, 2)}
buf = b""
for name in sorted(attrs):
    dtype, value, kind = attrs[name]
    buf += struct.pack(">I", len(name)) + name.encode() + struct.pack(">I", len(dtype)) + dtype.encode()
    buf += bytes([kind]) + struct.pack(">I", len(value)) + value
body_md5, attrs_md5 = hashlib.md5(body.encode()).hexdigest(), hashlib.md5(buf).hexdigest()
message = received["Messages"][0]
assert sent["MD5OfMessageBody"] == body_md5, ("send body md5", sent, body_md5)
assert sent["MD5OfMessageAttributes"] == attrs_md5, ("send attributes md5", sent, attrs_md5)
assert message["Body"] == body, ("body", message["Body"])
assert message["MD5OfBody"] == body_md5, ("receive body md5", message)
assert message["MD5OfMessageAttributes"] == attrs_md5, ("receive attributes md5", message)
assert message["MessageId"] == sent["MessageId"]
assert message["Attributes"]["ApproximateReceiveCount"] == "1"
assert base64.b64decode(message["MessageAttributes"]["Raw"]["BinaryValue"]) == raw
print("digests ok:", body_md5, attrs_md5)
PY

handle=$(RECEIVED="$received" python3 -c 'import json,os; print(json.loads(os.environ["RECEIVED"])["Messages"][0]["ReceiptHandle"])')
sqs delete-message --queue-url "$queue_url" --receipt-handle "$handle"
counts=$(sqs get-queue-attributes --queue-url "$queue_url" --attribute-names All)
echo "$counts" | python3 -c 'import json,sys; a=json.load(sys.stdin)["Attributes"]; assert a["ApproximateNumberOfMessages"]=="0" and a["ApproximateNumberOfMessagesNotVisible"]=="0", a' \
  || fail "queue not empty after delete"
if sqs get-queue-url --queue-name no-such-queue >/dev/null 2>"$log.err"; then fail "missing queue found"; fi
grep -q "AWS.SimpleQueueService.NonExistentQueue" "$log.err" || fail "wrong error for a missing queue: $(cat "$log.err")"

# Durable by default: a message sent before a restart is there after it.
sqs send-message --queue-url "$queue_url" --message-body "survives a restart" >/dev/null
kill -TERM "$pid"; wait "$pid" || true
start_server
survivor=$(sqs receive-message --queue-url "$queue_url" --wait-time-seconds 1)
echo "$survivor" | grep -q "survives a restart" || fail "message lost across a restart: $survivor"
handle=$(SURVIVOR="$survivor" python3 -c 'import json,os; print(json.loads(os.environ["SURVIVOR"])["Messages"][0]["ReceiptHandle"])')
sqs delete-message --queue-url "$queue_url" --receipt-handle "$handle"

# Graceful stop: a waiting long poll is answered (empty) and the server exits without a stack trace.
poll_out=$(mktemp)
(sqs receive-message --queue-url "$queue_url" --wait-time-seconds 20 >"$poll_out" 2>&1; echo "exit=$?" >>"$poll_out") &
poller=$!
# Wait until the CLI (a Python process that takes a while to start on a busy machine) has connected: a fixed
# sleep let SIGTERM arrive before the poll did, and the poll then found no server.
for _ in $(seq 1 100); do
  PORT=$port python3 - <<'PY' && break
import os, sys
port = "%04X" % int(os.environ["PORT"])
for line in open("/proc/net/tcp").readlines()[1:]:
    local, remote, state = line.split()[1:4]
    if state == "01" and remote.endswith(":" + port):  # an established client connection to the server
        sys.exit(0)
sys.exit(1)
PY
  sleep 0.1
done
sleep 0.5 # the request itself reaches the queue's wait
start=$(date +%s)
kill -TERM "$pid"
wait "$pid" || true
wait "$poller" || true
elapsed=$(( $(date +%s) - start ))
grep -q "exit=0" "$poll_out" || fail "long poll was not answered cleanly: $(cat "$poll_out")"
[ "$elapsed" -lt 10 ] || fail "shutdown took ${elapsed}s"
grep -q "Postbox stopped" "$log" || fail "no 'stopped' line"
if grep -qE "Exception|\bat [a-z]+\.[a-z]" "$log"; then fail "stack trace in server output"; fi
trap - EXIT
rm -rf "$data_dir"
echo "smoke: 1 passed, 0 failed"
