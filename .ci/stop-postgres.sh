#!/usr/bin/env bash
# Stops a cluster that start-postgres.sh started in DIR (fast shutdown).
set -euo pipefail
dir=${1:?usage: stop-postgres.sh DIR}
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ -f "$dir/data/postmaster.pid" ] || exit 0
run_as=()
[ "$(id -u)" = 0 ] && run_as=(runuser -u pinfoldpg --)
"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2
