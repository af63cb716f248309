#!/usr/bin/env bash
# Runs every pinfold test on a fresh machine: installs what the tests need
# (versitygw, a real S3 gateway), then go vet, the Go tests (unit, store
# conformance, end to end with aws-sdk-go-v2, versitygw integration) and the
# boto3 / aws CLI conformance script against a real server.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$(go env GOPATH)/bin:$PATH"
bash .ci/install-versitygw.sh
export PINFOLD_VERSITYGW="$(command -v versitygw)"

echo "== go vet"
go vet ./...

echo "== go test"
# -race on the fast packages; the end-to-end and store packages run without it
# to keep CI within its time (they are exercised under -race by developers).
go test -count=1 -race ./ ./sigv4/... ./wire/... ./api/...
go test -count=1 -timeout 30m ./sqlite/... ./storetest/... ./blob/... ./s3/... ./jobs/... ./cmd/...

echo "== conformance (boto3 + aws CLI)"
bash scripts/conformance.sh
