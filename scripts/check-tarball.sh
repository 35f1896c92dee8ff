#!/bin/bash
# Check what a collection tarball carries: only what users need, within the size limit.
#
#   scripts/check-tarball.sh dist/fleetfw-ilo-0.1.0.tar.gz [MAX_BYTES]
#
# galaxy.yml's build_ignore is a deny list, so a stray file in the source tree (a binary
# left by `go build` at the root, a test binary) would otherwise ship unnoticed.
set -euo pipefail

tarball=${1:?usage: check-tarball.sh TARBALL [MAX_BYTES]}
max=${2:-10485760}

size=$(stat -c %s "$tarball")
echo "$tarball: $size bytes"
if [ "$size" -gt "$max" ]; then
	echo "check-tarball: larger than $max bytes" >&2
	exit 1
fi

bad=$(tar tzvf "$tarball" | awk '
	{ type = substr($1, 1, 1); path = $6; target = $8 }
	path ~ /\/$/ { next }                       # directories
	path ~ /^(MANIFEST\.json|FILES\.json|README\.md|LICENSE|CHANGELOG\.md)$/ { next }
	path ~ /^(changelogs|meta|playbooks|roles|plugins\/doc_fragments)\// && path !~ /\.go$/ && type == "-" { next }
	path == "plugins/bin/fleetfw-ilo" && type == "-" { next }
	path ~ /^plugins\/modules\/[a-z0-9_]+\.py$/ && type == "-" { next }
	path ~ /^plugins\/modules\/[a-z0-9_]+$/ && type == "l" && target == "../bin/fleetfw-ilo" { next }
	{ print "  " $0 }
')
if [ -n "$bad" ]; then
	echo "check-tarball: unexpected entries (add them to build_ignore in galaxy.yml, or remove the stray files):" >&2
	echo "$bad" >&2
	exit 1
fi
