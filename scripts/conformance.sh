#!/usr/bin/env bash
# Conformance: builds pinfold, starts it on a free loopback port with a fresh
# data dir, and drives it with unmodified boto3 and the aws CLI (v1), changing
# only the endpoint URL. Prints "N passed, N failed". When
# PINFOLD_TEST_POSTGRES names a PostgreSQL server (scripts/test.sh starts
# one), it runs again against a node on a fresh database of that server
# (--database, with the built-in S3 endpoint on for its single node).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
pid=
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/pinfold" ./cmd/pinfold

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# run_pass NAME [serve flags...]: one server, the whole script against it.
run_pass() {
  local name=$1
  shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$work/pinfold" serve --listen "127.0.0.1:$port" --data-dir "$work/data-$name" \
    --credentials test:test:000000000000 --credentials other:other:111111111111 \
    --jobs-piece-size 400 "$@" >"$work/server-$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/_pinfold/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "conformance against pinfold on $name"
  if ! AWS_ENDPOINT_URL="http://127.0.0.1:$port" python3 scripts/conformance.py; then
    echo "--- server log (last 40 lines)"; tail -40 "$work/server-$name.log"
    exit 1
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_pass sqlite
if [ -n "${PINFOLD_TEST_POSTGRES:-}" ]; then
  db="pinfold_conformance_$$"
  PGOPTIONS=--client-min-messages=warning psql -q "$PINFOLD_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  run_pass postgres --database "${PINFOLD_TEST_POSTGRES/\/postgres\?//$db?}" --s3-builtin=on
  psql -q "$PINFOLD_TEST_POSTGRES" -c "DROP DATABASE $db WITH (FORCE)"
fi
