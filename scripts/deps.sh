#!/bin/bash
# Install the Debian packages `make demo` and `make test` need, only those that are missing.
# Runs `apt-get update` at most once. Needs root (or sudo) only when something is missing.
set -euo pipefail

# package: why
packages=(
	ansible-core          # ansible-playbook, ansible-galaxy, ansible-doc, ansible-test
	ansible               # ansible.posix.json callback used by the integration tests
	ansible-lint          # make lint
	yamllint              # make lint, ansible-test sanity yamllint
	python3-ansible-runner # AWX-style runs in the integration tests
	curl                  # talking to the simulator's control endpoint from scripts
	git                   # ansible-test sanity needs a git tree
	python3-voluptuous    # ansible-test sanity validate-modules
	python3-pycodestyle   # ansible-test sanity pep8
	pylint                # ansible-test sanity pylint
	gcc                   # cgo, for go test -race in make unit
	time                  # GNU time: peak memory of module runs in tests/reliability (skipped without it)
)

if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go is not on PATH; install Go 1.26 (https://go.dev/dl/) and add it to PATH" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all present"
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: missing ${missing[*]}; run as root or install sudo" >&2; exit 1; }
	sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
