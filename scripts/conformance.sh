#!/usr/bin/env bash
# Conformance: builds pinfold, starts it on a free loopback port with a fresh
# data dir, and drives it with unmodified boto3 and the aws CLI (v1), changing
# only the endpoint URL. Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/pinfold" ./cmd/pinfold
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/pinfold" serve --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --credentials test:test:000000000000 --credentials other:other:111111111111 \
  --jobs-piece-size 400 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/_pinfold/health" >/dev/null 2>&1 && break
  sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
if ! python3 scripts/conformance.py; then
  echo "--- server log (last 40 lines)"; tail -40 "$work/server.log"
  exit 1
fi
