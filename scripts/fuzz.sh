#!/bin/bash
# Run every Go fuzz target for a bounded time: FUZZTIME (default 20s) each.
# Targets are discovered with `go test -list 'Fuzz.*'`; new corpus entries that fail are
# written by Go into the package's testdata/fuzz/ directory.
set -euo pipefail

fuzztime=${FUZZTIME:-20s}
go=${GO:-go}
n=0
failed=()
for pkg in $($go list ./...); do
	if ! list=$($go test -list '^Fuzz' "$pkg" 2>&1); then
		echo "$list" >&2
		failed+=("$pkg (does not build)")
		continue
	fi
	for target in $(grep '^Fuzz' <<<"$list" || true); do
		n=$((n + 1))
		echo "fuzz: $pkg $target ($fuzztime)"
		if ! $go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			failed+=("$pkg.$target")
		fi
	done
done
echo "fuzz: $n targets run, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
