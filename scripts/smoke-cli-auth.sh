#!/usr/bin/env bash
# As-a-user smoke test of auth.mode=sigv4: ./postbox started with one identity from environment variables, driven
# by the aws CLI (botocore's signer) with the right, a wrong and no credentials, and by a presigned URL (boto3)
# fetched with curl.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/ports.sh"
port=$(free_port)
endpoint="http://127.0.0.1:$port"
log=$(mktemp)
fail() { echo "SMOKE FAIL: $*" >&2; echo "--- server output:" >&2; cat "$log" >&2; exit 1; }
# Waits until the server answers /health (curl options such as --cacert before the URL).
wait_healthy() {
  for _ in $(seq 1 150); do
    curl -fs "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  curl -fs "$@" | grep -q UP || fail "server did not answer /health"
}

POSTBOX_AUTH_MODE=sigv4 POSTBOX_AUTH_ACCESS_KEY_ID=AKIDSMOKE POSTBOX_AUTH_SECRET_ACCESS_KEY=smoke-secret \
  POSTBOX_AUTH_ACCOUNT_ID=111122223333 "$root/postbox" --port "$port" --storage memory >"$log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
wait_healthy "$endpoint/health"
grep -q "auth sigv4" "$log" || fail "no 'auth sigv4' in the listening line"

export AWS_DEFAULT_REGION=eu-west-1 AWS_PAGER=""
sqs() { AWS_ACCESS_KEY_ID=AKIDSMOKE AWS_SECRET_ACCESS_KEY=smoke-secret aws --endpoint-url "$endpoint" sqs "$@" --output json; }
queue_url=$(sqs create-queue --queue-name smoke-auth | python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
sqs send-message --queue-url "$queue_url" --message-body "signed" >/dev/null
received=$(sqs receive-message --queue-url "$queue_url" --attribute-names SenderId)
echo "$received" | python3 -c 'import json,sys; m=json.load(sys.stdin)["Messages"][0]; assert m["Body"]=="signed" and m["Attributes"]["SenderId"]=="AKIDSMOKE", m' \
  || fail "signed round trip: $received"

refused() { # expected code, then the command's environment and arguments
  local code=$1; shift
  if env "$@" >/dev/null 2>"$log.err"; then fail "accepted: $*"; fi
  grep -q "($code)" "$log.err" || fail "expected $code for '$*', got: $(cat "$log.err")"
}
refused SignatureDoesNotMatch AWS_ACCESS_KEY_ID=AKIDSMOKE AWS_SECRET_ACCESS_KEY=guessed \
  aws --endpoint-url "$endpoint" sqs list-queues
refused InvalidClientTokenId AWS_ACCESS_KEY_ID=AKIDNOBODY AWS_SECRET_ACCESS_KEY=smoke-secret \
  aws --endpoint-url "$endpoint" sqs list-queues
refused MissingAuthenticationToken aws --no-sign-request --endpoint-url "$endpoint" sqs list-queues

# A presigned URL (botocore's query-string signature of a query-protocol request: boto3's own
# generate_presigned_url signs SQS's JSON protocol, whose headers a plain GET cannot carry), fetched by a client
# that knows no credentials.
url=$(QUEUE_URL="$queue_url" python3 - <<'PY'
import os
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
request = AWSRequest(method="GET", url=os.environ["QUEUE_URL"], params={
    "Action": "GetQueueAttributes", "AttributeName.1": "QueueArn", "Version": "2012-11-05"})
SigV4QueryAuth(Credentials("AKIDSMOKE", "smoke-secret"), "sqs", "eu-west-1", expires=60).add_auth(request)
print(request.prepare().url)
PY
)
curl -fs "$url" | grep -q "arn:aws:sqs:" || fail "presigned URL refused: $(curl -s "$url")"
curl -s "${url/X-Amz-Expires=60/X-Amz-Expires=61}" | grep -q "SignatureDoesNotMatch" || fail "a changed presigned URL was accepted"

kill -TERM "$pid"; wait "$pid" || true
if grep -qE "Exception|\bat [a-z]+\.[a-z]|smoke-secret" "$log"; then fail "stack trace or secret in server output"; fi

# The same identity over HTTPS (the test CA of the spec module), the aws CLI trusting that CA.
tls="$root/it/src/test/resources/tls"
endpoint="https://localhost:$port"
POSTBOX_AUTH_MODE=sigv4 POSTBOX_AUTH_ACCESS_KEY_ID=AKIDSMOKE POSTBOX_AUTH_SECRET_ACCESS_KEY=smoke-secret \
  POSTBOX_HTTP_TLS_CERTIFICATE_FILE="$tls/server.pem" POSTBOX_HTTP_TLS_PRIVATE_KEY_FILE="$tls/server-key.pem" \
  "$root/postbox" --port "$port" --storage memory >"$log" 2>&1 &
pid=$!
wait_healthy --cacert "$tls/ca.pem" "$endpoint/health"
grep -q "Postbox listening on https://" "$log" || fail "no 'listening on https://' line"
queue_url=$(AWS_ACCESS_KEY_ID=AKIDSMOKE AWS_SECRET_ACCESS_KEY=smoke-secret aws --endpoint-url "$endpoint" \
  --ca-bundle "$tls/ca.pem" sqs create-queue --queue-name smoke-tls --output json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])')
[ "$queue_url" = "$endpoint/queue/eu-west-1/000000000000/smoke-tls" ] || fail "unexpected queue URL over TLS: $queue_url"
if curl -s --max-time 5 "http://localhost:$port/health" | grep -q UP; then fail "plain HTTP served on the TLS port"; fi
kill -TERM "$pid"; wait "$pid" || true
trap - EXIT
echo "smoke (auth): 1 passed, 0 failed"
