#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 cluster on a free loopback port and prints
# its URL on the last line of standard output:
#
#   url=$(bash .ci/start-postgres.sh DIR)      # DIR: an empty or absent directory
#   ... PINFOLD_TEST_POSTGRES=$url go test ./postgres/ ...
#   bash .ci/stop-postgres.sh DIR
#
# Run again on the same DIR, it starts the same cluster on the same port.
# It installs Debian's postgresql-15 when the server binaries are missing. The
# cluster runs as an unprivileged user (initdb refuses root): the caller when
# not root, else the system user "pinfoldpg", created when absent. Clients
# connect over TCP on 127.0.0.1 as the superuser "postgres", trusted without a
# password: a cluster for tests and for trying pinfold, never for data that
# matters. Extra server settings may be given as PGOPTS (e.g. "-c fsync=off").
set -euo pipefail

dir=${1:?usage: start-postgres.sh DIR}
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

if [ ! -x "$bindir/postgres" ]; then
	echo "installing postgresql-15 (server binaries not found in $bindir)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends postgresql-15 >&2
fi

run_as=()
if [ "$(id -u)" = 0 ]; then
	if ! id pinfoldpg >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin pinfoldpg
	fi
	run_as=(runuser -u pinfoldpg --)
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" = 0 ]; then
	chown pinfoldpg "$dir"
	# The user must be able to reach the directory through its parents.
	p=$dir
	while [ "$p" != / ]; do
		p=$(dirname "$p")
		chmod o+x "$p" 2>/dev/null || true
	done
fi

if [ ! -f "$dir/data/PG_VERSION" ]; then
	"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
fi

# A cluster started again in the same DIR keeps its port, so that clients
# holding its URL reconnect.
if [ -f "$dir/port" ]; then
	port=$(cat "$dir/port")
else
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	echo "$port" >"$dir/port"
fi
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	-o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300 ${PGOPTS:-}" start >&2 ||
	{ cat "$dir/server.log" >&2; exit 1; }
echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
