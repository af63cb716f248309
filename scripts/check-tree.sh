#!/usr/bin/env bash
# Fails when the tree is not as it should be committed: a tracked file over
# 1 MB (a binary, a profile, a data dir), or Go code that gofmt would change.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
while IFS= read -r -d '' f; do
	if [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 1000000 ]; then
		echo "tracked file over 1 MB: $f ($(stat -c %s "$f") bytes); build outputs and data do not belong in git" >&2
		status=1
	fi
done < <(git ls-files -z)

unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	status=1
fi
exit $status
