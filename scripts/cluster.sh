#!/usr/bin/env bash
# Brings up a pinfold cluster on loopback to try several nodes: a throwaway
# PostgreSQL 15 cluster, versitygw (an S3 gateway) and N pinfold nodes (3 by
# default) sharing them. The multi-node tests start their clusters with it.
#
#   bash scripts/cluster.sh up DIR [N]    start; prints how to reach it
#   bash scripts/cluster.sh down DIR      stop everything started in DIR
#
# DIR keeps the state: env (sourceable: DATABASE_URL, S3_ENDPOINT, S3_ACCESS_KEY,
# S3_SECRET_KEY, NODES), nodeK.url, nodeK.pid and nodeK.log per node, pg/ and
# s3/. The pinfold binary is $PINFOLD_BIN, or built into DIR. Nodes inherit
# the caller's PINFOLD_* variables (e.g. PINFOLD_JOBS_WORKERS), and the
# PostgreSQL server PGOPTS (see .ci/start-postgres.sh).
#
# The nodes accept the local credentials test / test (account
# 000000000000); versitygw's root user is pinfold / pinfoldsecret. Nothing
# here is for data that matters.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:?usage: cluster.sh up DIR [N] | down DIR}
dir=${2:?usage: cluster.sh up DIR [N] | down DIR}
nodes=${3:-3}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL SECONDS: until URL answers 200.
wait_http() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if python3 - "$1" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=1).read()
PY
		sleep 0.1
	done
	return 1
}

down() {
	local f
	for f in "$dir"/node*.pid "$dir"/s3.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
	[ -d "$dir/pg" ] && bash .ci/stop-postgres.sh "$dir/pg" || true
}

case "$cmd" in
down)
	down
	exit 0
	;;
up) ;;
*)
	echo "usage: cluster.sh up DIR [N] | down DIR" >&2
	exit 2
	;;
esac

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
trap 'echo "cluster.sh: failed; stopping what started" >&2; down' ERR

# PostgreSQL, and a database for pinfold.
pg_url=$(bash .ci/start-postgres.sh "$dir/pg" | tail -n 1)
psql -q "$pg_url" -c "CREATE DATABASE pinfold" >/dev/null 2>&1 || true
db_url=${pg_url/\/postgres\?/\/pinfold?}

# versitygw, the S3 store every node shares.
export PATH="$(go env GOPATH)/bin:$PATH"
bash .ci/install-versitygw.sh >&2
mkdir -p "$dir/s3/data" "$dir/s3/meta"
s3_port=$(free_port)
versitygw --access pinfold --secret pinfoldsecret --region us-east-1 --quiet --port "127.0.0.1:$s3_port" \
	posix --sidecar "$dir/s3/meta" "$dir/s3/data" >"$dir/s3.log" 2>&1 &
echo $! >"$dir/s3.pid"
s3_url="http://127.0.0.1:$s3_port"
for ((i = 0; i < 300; i++)); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$s3_port),1)" 2>/dev/null && break
	sleep 0.1
done

bin=${PINFOLD_BIN:-}
if [ -z "$bin" ]; then
	bin="$dir/pinfold"
	go build -o "$bin" ./cmd/pinfold
fi

urls=()
for ((k = 1; k <= nodes; k++)); do
	port=$(free_port)
	PINFOLD_DATABASE="$db_url" PINFOLD_S3_ENDPOINT="$s3_url" PINFOLD_S3_ACCESS_KEY=pinfold \
		PINFOLD_S3_SECRET_KEY=pinfoldsecret PINFOLD_NODE_ID="node$k" \
		"$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir/node$k" >"$dir/node$k.log" 2>&1 &
	echo $! >"$dir/node$k.pid"
	echo "http://127.0.0.1:$port" >"$dir/node$k.url"
	urls+=("http://127.0.0.1:$port")
done
for u in "${urls[@]}"; do
	wait_http "$u/_pinfold/health" 60 || { echo "node $u did not become healthy" >&2; false; }
done

cat >"$dir/env" <<ENV
DATABASE_URL='$db_url'
S3_ENDPOINT='$s3_url'
S3_ACCESS_KEY=pinfold
S3_SECRET_KEY=pinfoldsecret
NODES='${urls[*]}'
ENV
trap - ERR
cat <<MSG
pinfold cluster up in $dir
  PostgreSQL: $db_url
  S3 (versitygw): $s3_url  (access key pinfold, secret pinfoldsecret)
  nodes: ${urls[*]}
Create the bucket for jobs in the S3 store, then use any node (credentials test / test):
  AWS_ACCESS_KEY_ID=pinfold AWS_SECRET_ACCESS_KEY=pinfoldsecret aws --endpoint-url $s3_url s3 mb s3://exports
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${urls[0]} pinpoint create-app --create-application-request Name=shop
Stop it with: bash scripts/cluster.sh down $dir
MSG
