#!/bin/bash
# ansible-lint (production profile, offline) on the collection's playbooks and roles.
#
#   scripts/ansible-lint.sh COLLECTIONS_PATH
#
# COLLECTIONS_PATH holds the installed collection, so fleetfw.ilo.* names resolve to the
# built modules and docs exactly as users get them.
set -euo pipefail

collections=${1:?usage: ansible-lint.sh COLLECTIONS_PATH}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

targets=()
for d in playbooks roles; do
	[ -d "$d" ] && targets+=("$d")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "ansible-lint: no playbooks/ or roles/ yet"
	exit 0
fi
export ANSIBLE_COLLECTIONS_PATH=$collections
echo "ansible-lint: ${targets[*]}"
ansible-lint --offline --profile production -c scripts/ansible-lint.yml "${targets[@]}"
