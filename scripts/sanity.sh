#!/bin/bash
# Run `ansible-test sanity` offline on the content of a built collection tarball.
#
#   scripts/sanity.sh dist/fleetfw-ilo-0.1.0.tar.gz
#
# ansible-test wants the collection at .../ansible_collections/fleetfw/ilo inside a git tree, and
# creates one virtualenv per test that it fills with pip from the internet. Offline,
# sanity-venvs.py creates every venv it asks for in one --prime-venvs run, with the system site
# packages (Debian's ansible-test dependencies) and no pip — see tooling §5. (It used to take one
# ansible-test run per venv, nine in all, on a fresh machine.)
set -euo pipefail

tarball=${1:?usage: sanity.sh COLLECTION_TARBALL}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/build/sanity
coll=$work/ansible_collections/fleetfw/ilo

# Debian's python, not whatever python3.11 comes first on PATH (pyenv shims, ...).
export PATH=/usr/bin:/bin:$PATH
python=/usr/bin/python3
pyver=$($python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

rm -rf "$work"
mkdir -p "$work"
ANSIBLE_COLLECTIONS_PATH=$work ansible-galaxy collection install --force -p "$work" "$tarball" >/dev/null
# tests/ is not shipped (build_ignore), but ansible-test reads tests/sanity/ignore-*.txt.
mkdir -p "$coll/tests"
cp -r "$root/tests/sanity" "$coll/tests/"
rm -f "$coll/tests/sanity/README.md"
(
	cd "$coll"
	git init -q
	git add -A
	git -c user.name=sanity -c user.email=sanity@localhost commit -q -m sanity
)

# Tests that cannot run here, and why:
#   changelog — needs antsibull-changelog, not packaged for Debian, and PyPI is not reachable;
#               CHANGELOG.md is kept by hand.
skip=(--skip-test changelog)

cd "$coll"
# Prepare the venvs in one ansible-test run (sanity-venvs.py makes each with the system site
# packages, without pip).
if ! out=$($python "$root/scripts/sanity-venvs.py" --python "$pyver" "${skip[@]}" 2>&1); then
	printf '%s\n' "$out" >&2
	echo "sanity: could not prepare the ansible-test venvs" >&2
	exit 1
fi

# ansible-test 2.14's ansible-doc test crashes (AttributeError in its error formatting)
# instead of showing why ansible-doc failed. Render each module first and say it plainly;
# when one fails, skip that test so the others still run.
docs_failed=0
for stub in plugins/modules/*.py; do
	m=$(basename "$stub" .py)
	if ! out=$(ANSIBLE_COLLECTIONS_PATH=$work ansible-doc -t module "fleetfw.ilo.$m" 2>&1 >/dev/null) || [ -n "$out" ]; then
		echo "sanity: ansible-doc fleetfw.ilo.$m: ${out:-failed}" >&2
		docs_failed=1
	fi
done
if [ $docs_failed -ne 0 ]; then
	skip+=(--skip-test ansible-doc)
fi

echo "sanity: ansible-test sanity --python $pyver ${skip[*]} (in $coll)"
rc=0
ansible-test sanity --python "$pyver" "${skip[@]}" --color no || rc=$?
if [ $docs_failed -ne 0 ]; then
	echo "sanity: FAILED: ansible-doc cannot render every module (above)" >&2
	exit 1
fi
exit $rc
