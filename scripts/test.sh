#!/usr/bin/env bash
# Runs every pinfold check and test on a fresh machine: installs and starts
# what they need (a throwaway PostgreSQL 15 cluster, from Debian's packages
# when missing; versitygw, a real S3 gateway; Mailpit, a real SMTP server;
# staticcheck; Debian's chromium for the console's browser test), then the tree checks
# (no tracked file over 1 MB, gofmt), go vet, staticcheck, every Go test
# under the race detector (unit, store conformance, end to end with
# aws-sdk-go-v2, versitygw integration) and the boto3 / aws CLI conformance
# script against a real server.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$(go env GOPATH)/bin:$PATH"
bash .ci/install-versitygw.sh
bash .ci/install-mailpit.sh
bash .ci/install-staticcheck.sh
export PINFOLD_VERSITYGW="$(command -v versitygw)"
export PINFOLD_MAILPIT="$(command -v mailpit)"
# Headless Chromium for the console's browser test (Debian's chromium).
PINFOLD_CHROMIUM=$(bash .ci/install-chromium.sh | tail -n 1)
export PINFOLD_CHROMIUM

# A PostgreSQL cluster for the postgres store's and the multi-node tests,
# stopped and removed on exit. fsync is off: these tests kill pinfold, never
# PostgreSQL, so they need no durability from it, and they create a
# database per test.
pgdir=$(mktemp -d /tmp/pinfold-pg.XXXXXX)
trap 'bash .ci/stop-postgres.sh "$pgdir" || true; rm -rf "$pgdir"' EXIT
PINFOLD_TEST_POSTGRES=$(PGOPTS="-c fsync=off -c full_page_writes=off" bash .ci/start-postgres.sh "$pgdir" | tail -n 1)
export PINFOLD_TEST_POSTGRES
echo "PostgreSQL for tests: $PINFOLD_TEST_POSTGRES"

echo "== tree (tracked file sizes, gofmt)"
bash scripts/check-tree.sh

echo "== go vet"
go vet ./...

echo "== staticcheck"
staticcheck ./...

echo "== go test -race"
go test -count=1 -race -timeout 40m ./...

echo "== conformance (boto3 + aws CLI)"
bash scripts/conformance.sh
