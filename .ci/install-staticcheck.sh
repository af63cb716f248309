#!/bin/sh
# Installs staticcheck at exactly STATICCHECK_VERSION into $(go env GOPATH)/bin
# (or $GOBIN), from the Go module proxy. Idempotent.
set -eu
STATICCHECK_VERSION=${STATICCHECK_VERSION:-v0.8.2}
module=honnef.co/go/tools
bindir=$(go env GOBIN)
if [ -z "$bindir" ]; then
	bindir="$(go env GOPATH | cut -d: -f1)/bin"
fi
bin="$bindir/staticcheck"
if [ -x "$bin" ] && [ "$(go version -m "$bin" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m { print $3 }')" = "$STATICCHECK_VERSION" ]; then
	echo "staticcheck $STATICCHECK_VERSION already installed at $bin"
	exit 0
fi
echo "installing staticcheck $STATICCHECK_VERSION"
GOFLAGS=-mod=mod go install "$module/cmd/staticcheck@$STATICCHECK_VERSION"
