#!/bin/sh
# Installs Mailpit (the SMTP server the messaging package's relay test sends
# to and reads back through its HTTP API) at exactly MAILPIT_VERSION into
# $(go env GOPATH)/bin, or $GOBIN when set. Idempotent: does nothing when that
# binary is already this version.
#
# The test finds it through PINFOLD_MAILPIT, e.g.
#   .ci/install-mailpit.sh
#   PINFOLD_MAILPIT="$(go env GOPATH)/bin/mailpit" CI=true go test ./messaging/
set -eu

MAILPIT_VERSION=${MAILPIT_VERSION:-v1.33.1}
module=github.com/axllent/mailpit

bindir=$(go env GOBIN)
if [ -z "$bindir" ]; then
	bindir="$(go env GOPATH | cut -d: -f1)/bin"
fi
bin="$bindir/mailpit"

installed_version() {
	[ -x "$bin" ] || return 0
	go version -m "$bin" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

if [ "$(installed_version)" = "$MAILPIT_VERSION" ]; then
	echo "mailpit $MAILPIT_VERSION already installed at $bin"
	exit 0
fi

# Build outside any module so that the repository's go.mod is not involved.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && GOFLAGS=-mod=mod go install "$module@$MAILPIT_VERSION")

got=$(installed_version)
if [ "$got" != "$MAILPIT_VERSION" ]; then
	echo "installed mailpit reports version '$got', want $MAILPIT_VERSION" >&2
	exit 1
fi
echo "installed mailpit $MAILPIT_VERSION at $bin"
