#!/bin/bash
# `make demo`: build the binary and the collection tarball, install the tarball into a temporary
# collections path, start simulated iLOs that are out of date (their clocks run DEMO_SPEED times
# faster, and a flashed System ROM waits for a reboot as on a real server), write an SPP-like
# catalog folder (mkimage -spp), run playbooks/demo_rollout.yml from the installed copy against
# them - the plan per server, staging, waves with graceful reboots and the iLO flash, versions
# before -> after - and stop the simulator. The rollout report is kept in build/demo/report.html;
# everything else temporary is removed on exit.
#
# DEMO_PROFILES (default ilo5,ilo6,ilo7) picks the simulated iLOs, one per profile; DEMO_PORT
# (default 0: any free ports) the first port; DEMO_SPEED (default 40) the simulated clock speed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profiles=${DEMO_PROFILES:-ilo5,ilo6,ilo7}
count=$(tr ',' '\n' <<<"$profiles" | grep -c .)
port=${DEMO_PORT:-0}
speed=${DEMO_SPEED:-40}
report=$root/build/demo

make -s collection
make -s sim
go build -o build/mkimage ./cmd/mkimage
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

build/ilosim -count "$count" -port "$port" -profile "$profiles" -dir "$tmp/sim" -speed "$speed" -staged-activation \
	-idle-timeout 24h -username "$ILO_USERNAME" -password "$ILO_PASSWORD" -ready-file "$tmp/ready.json" >"$tmp/sim.log" 2>&1 &
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
    # The hosts are iLOs: every module runs on the controller.
    f.write("ansible_connection=local\nansible_python_interpreter=/usr/bin/python3\n")
PY
echo "demo: simulated iLOs ($profiles):"
sed -n 's/^\(ilo[0-9]*\) ilo_baseuri=/  \1 /p' "$tmp/inventory.ini"

build/mkimage -spp -o "$tmp/catalog" >/dev/null
echo "demo: SPP-like catalog in $tmp/catalog ($(find "$tmp/catalog" -maxdepth 1 -type f | wc -l) files, see its README.txt)"
rm -rf "$report"
mkdir -p "$report"

echo "demo: ansible-playbook $installed/playbooks/demo_rollout.yml"
# YAML results print the plan and the versions without JSON quoting.
ANSIBLE_COLLECTIONS_PATH=$tmp/collections ANSIBLE_CALLBACK_RESULT_FORMAT=${ANSIBLE_CALLBACK_RESULT_FORMAT:-yaml} \
	ansible-playbook -i "$tmp/inventory.ini" -e ilo_hosts=ilos -e demo_catalog="$tmp/catalog" -e demo_report_dir="$report" \
	"$installed/playbooks/demo_rollout.yml"
echo "demo: rollout report: $report/report.html"
