#!/bin/bash
# The curl side of the upload benchmark: what an operator does by hand to push a component
# larger than 32 MiB to an iLO Repository (bench/run calls it; see docs/benchmarks.md).
#
#   bench/curl-upload.sh BASEURI CA_PATH USERNAME PASSWORD PARTS_DIR FILENAME
#
# Logs in (Redfish session), then POSTs each 32 MiB part in PARTS_DIR (split -d names,
# in order) to /cgi-bin/uploadFile as multipart/form-data (sessionKey, parameters, file),
# with parameters.Section = 0, 1, ... and waits after each POST until the update service
# is no longer Uploading or Verifying (iLO refuses the next section while it is busy),
# then logs out. Prints "post <seconds> <bytes>" per POST (curl's time_total, size_upload).
set -euo pipefail

base=${1:?usage: curl-upload.sh BASEURI CA_PATH USERNAME PASSWORD PARTS_DIR FILENAME}
ca=$2 user=$3 pass=$4 parts=$5 name=$6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

curl -sS --fail --cacert "$ca" -D "$work/hdr" -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"UserName\": \"$user\", \"Password\": \"$pass\"}" "$base/redfish/v1/SessionService/Sessions/"
token=$(sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: *\([^[:space:]]*\).*/\1/p' "$work/hdr")
session=$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$work/hdr")
[ -n "$token" ] || { echo "curl-upload: no X-Auth-Token in the login answer" >&2; exit 1; }

wait_idle() {
	local state
	for _ in $(seq 1 6000); do
		state=$(curl -sS --fail --cacert "$ca" -H "X-Auth-Token: $token" "$base/redfish/v1/UpdateService/" | jq -r '.Oem.Hpe.State')
		case $state in
		Uploading | Verifying | Writing) sleep 0.02 ;;
		Error) echo "curl-upload: update service State Error" >&2; return 1 ;;
		*) return 0 ;;
		esac
	done
	echo "curl-upload: update service still busy" >&2
	return 1
}

section=0
for part in "$parts"/part.*; do
	params="{\"UpdateRepository\": true, \"UpdateTarget\": false, \"UploadCurrentEtag\": \"curl-bench-$section\", \"Section\": $section}"
	curl -sS --fail --cacert "$ca" -b "sessionKey=$token" -o /dev/null -w "post %{time_total} %{size_upload}\n" \
		-F "sessionKey=$token" -F "parameters=$params;type=application/json" \
		-F "file=@$part;filename=$name;type=application/octet-stream" "$base/cgi-bin/uploadFile"
	wait_idle
	section=$((section + 1))
done

if [ -n "$session" ]; then
	case $session in http*) ;; *) session=$base$session ;; esac
	curl -sS --cacert "$ca" -H "X-Auth-Token: $token" -X DELETE -o /dev/null "$session"
fi
