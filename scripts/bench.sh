#!/bin/bash
# make bench: measure fleetfw.ilo against community.general, curl and a no-op Go module and
# write docs/benchmarks.md (bench/run does the work; see its package comment).
#
#   scripts/bench.sh [-out FILE] [-work DIR] [-keep]
#   BENCH_QUICK=1 scripts/bench.sh        # fewer iLOs, runs and bytes: checks every step
#   BENCH_STEPS=fleet,profile scripts/bench.sh -out /tmp/b.md   # only these steps (build and machine always run)
#
# Needs ansible-playbook, community.general, curl, jq, strace and GNU time (/usr/bin/time);
# perf (Debian linux-perf), when installed, adds a call-path profile of the module.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in ansible-playbook ansible-galaxy curl jq strace split; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (Debian package time)")
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: missing: ${missing[*]} (make deps; apt-get install time jq strace)" >&2
	exit 1
fi
# 1,000 iLOs at forks 50: the controller's sockets and pipes need more than 1024 descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec go run ./bench/run "$@"
