#!/usr/bin/env bash
# Installs Debian's chromium, the headless browser of the console's browser
# test (cmd/pinfold/console_browser_test.go), when it is missing, and prints
# its path on the last line of standard output:
#
#   export PINFOLD_CHROMIUM=$(bash .ci/install-chromium.sh | tail -n 1)
#
# It uses sudo only when not run as root.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
	echo "installing chromium (not found on PATH)" >&2
	sudo=()
	if [ "$(id -u)" != 0 ]; then
		sudo=(sudo)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >&2
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
fi
command -v chromium
