#!/bin/sh
# Installs versitygw (the S3 gateway the s3 package's tests run against) at
# exactly VERSITYGW_VERSION into $(go env GOPATH)/bin, or $GOBIN when set.
# Idempotent: does nothing when that binary is already this version.
#
# The tests find it through PINFOLD_VERSITYGW or PATH, e.g.
#   .ci/install-versitygw.sh
#   PINFOLD_VERSITYGW="$(go env GOPATH)/bin/versitygw" CI=true go test ./s3/
set -eu

VERSITYGW_VERSION=${VERSITYGW_VERSION:-v1.8.0}
module=github.com/versity/versitygw

bindir=$(go env GOBIN)
if [ -z "$bindir" ]; then
	bindir="$(go env GOPATH | cut -d: -f1)/bin"
fi
bin="$bindir/versitygw"

# `versitygw --version` reports "git" for a `go install` build; the module
# version recorded in the binary is the reliable one.
installed_version() {
	[ -x "$bin" ] || return 0
	go version -m "$bin" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }'
}

if [ "$(installed_version)" = "$VERSITYGW_VERSION" ]; then
	echo "versitygw $VERSITYGW_VERSION already installed at $bin"
	exit 0
fi

# Build outside any module so that the repository's go.mod is not involved.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && GOFLAGS=-mod=mod go install "$module/cmd/versitygw@$VERSITYGW_VERSION")

got=$(installed_version)
if [ "$got" != "$VERSITYGW_VERSION" ]; then
	echo "installed versitygw reports version '$got', want $VERSITYGW_VERSION" >&2
	exit 1
fi
echo "installed versitygw $VERSITYGW_VERSION at $bin"
