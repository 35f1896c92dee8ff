#!/bin/bash
# `make demo`: build the binary and the collection tarball, install the tarball into a temporary
# collections path, start simulated iLOs, run playbooks/demo.yml from the installed copy against
# them, and stop the simulator. Everything temporary is removed on exit.
#
# DEMO_PROFILES (default ilo5,ilo6,ilo7) picks the simulated iLOs, one per profile.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profiles=${DEMO_PROFILES:-ilo5,ilo6,ilo7}
count=$(tr ',' '\n' <<<"$profiles" | grep -c .)

make -s collection
make -s sim
tarball=$(ls -t dist/fleetfw-ilo-*.tar.gz | head -n 1)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fleetfw-demo.XXXXXX")
simpid=""
cleanup() {
	if [ -n "$simpid" ] && kill -0 "$simpid" 2>/dev/null; then
		kill -TERM "$simpid"
		wait "$simpid" 2>/dev/null || true
		echo "demo: simulator stopped"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: installing $tarball into $tmp/collections"
ANSIBLE_COLLECTIONS_PATH=$tmp/collections ansible-galaxy collection install -p "$tmp/collections" "$tarball" >/dev/null
installed=$tmp/collections/ansible_collections/fleetfw/ilo

# Demo credentials: random per run, handed to the modules through the environment.
export ILO_USERNAME=demo
ILO_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
export ILO_PASSWORD

build/ilosim -count "$count" -port 0 -profile "$profiles" -dir "$tmp/sim" \
	-username "$ILO_USERNAME" -password "$ILO_PASSWORD" -ready-file "$tmp/ready.json" >"$tmp/sim.log" 2>&1 &
simpid=$!
for _ in $(seq 1 300); do
	[ -s "$tmp/ready.json" ] && break
	if ! kill -0 "$simpid" 2>/dev/null; then
		cat "$tmp/sim.log" >&2
		echo "demo: the simulator exited before it was ready" >&2
		exit 1
	fi
	sleep 0.1
done
[ -s "$tmp/ready.json" ] || { echo "demo: the simulator was not ready after 30 s" >&2; exit 1; }

# An inventory with one host per simulated iLO.
/usr/bin/python3 - "$tmp/ready.json" "$tmp/inventory.ini" <<'PY'
import json, sys
ready = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    f.write("[ilos]\n")
    for ilo in ready["ilos"]:
        f.write("ilo%d ilo_baseuri=%s\n" % (ilo["index"], ilo["baseuri"]))
    f.write("\n[ilos:vars]\nilo_ca_path=%s\n" % ready["ca_path"])
PY
echo "demo: simulated iLOs ($profiles):"
sed -n 's/^\(ilo[0-9]*\) ilo_baseuri=/  \1 /p' "$tmp/inventory.ini"

echo "demo: ansible-playbook $installed/playbooks/demo.yml"
# YAML results print the tables without JSON quoting.
ANSIBLE_COLLECTIONS_PATH=$tmp/collections ANSIBLE_CALLBACK_RESULT_FORMAT=${ANSIBLE_CALLBACK_RESULT_FORMAT:-yaml} \
	ansible-playbook -i "$tmp/inventory.ini" -e ilo_hosts=ilos "$installed/playbooks/demo.yml"
