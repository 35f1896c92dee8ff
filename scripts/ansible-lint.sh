#!/bin/bash
# ansible-lint (production profile, offline) on the collection's playbooks and roles.
#
#   scripts/ansible-lint.sh COLLECTIONS_PATH
#
# It lints the copy installed under COLLECTIONS_PATH (what `make install` produced from the
# tarball): run from inside ansible_collections/fleetfw/ilo, ansible-lint 6.13 resolves the
# fleetfw.ilo.* module names; run from the source tree it cannot, and skips the fqcn checks.
set -euo pipefail

collections=$(cd "${1:?usage: ansible-lint.sh COLLECTIONS_PATH}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
installed=$collections/ansible_collections/fleetfw/ilo

targets=()
for d in playbooks roles; do
	[ -d "$root/$d" ] && targets+=("$d")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "ansible-lint: no playbooks/ or roles/ yet"
	exit 0
fi
for d in "${targets[@]}"; do
	if ! diff -r -q "$root/$d" "$installed/$d" >/dev/null; then
		echo "ansible-lint: $installed/$d differs from $root/$d; run make install first" >&2
		exit 1
	fi
done
cd "$installed"
# Name the files: given a directory, ansible-lint asks git which files to lint, and the
# installed copy lives in a git-ignored build directory.
files=()
[ -d playbooks ] && while IFS= read -r f; do files+=("$f"); done < <(find playbooks -maxdepth 1 -name '*.yml' | sort)
[ -d roles ] && while IFS= read -r f; do files+=("$f"); done < <(find roles -mindepth 1 -maxdepth 1 -type d | sort)
export ANSIBLE_COLLECTIONS_PATH=$collections
echo "ansible-lint: ${files[*]} (installed copy in $installed)"
ansible-lint --offline --profile production -c "$root/scripts/ansible-lint.yml" "${files[@]}"
