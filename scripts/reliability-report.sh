#!/bin/bash
# Run the reliability and security suite (tests/reliability, issues 8 and 14) and regenerate
# docs/reliability.md from its JSON report.
#
#   scripts/reliability-report.sh            full run: 1,000-run soak, fuzz each target FUZZTIME
#   SOAK=200 FUZZTIME=0 scripts/reliability-report.sh    quicker; FUZZTIME=0 skips fuzzing
#   ONLY='TestHostile|TestHardening' scripts/reliability-report.sh
#                                            run only those tests (-short) and regenerate only the
#                                            sections and figures they produce; the rest of the
#                                            document stays as the last full run wrote it
#   RENDER_ONLY=1 scripts/reliability-report.sh          re-render the last run's JSON
#
# The document is written even when cases fail (they are listed as failed); the script then
# exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
soak=${SOAK:-1000}
fuzztime=${FUZZTIME:-10s}
build=${BUILD:-build}
only=${ONLY:-}
mkdir -p "$build"
json="$build/reliability.json"
log="$build/reliability.log"
fuzzlog="$build/reliability-fuzz.log"
if [ -n "$only" ]; then
	json="$build/reliability-partial.json"
	fuzztime=0
fi

rc=0
if [ -n "${RENDER_ONLY:-}" ]; then
	echo "reliability: RENDER_ONLY set: rendering $json and $fuzzlog.summary from the last run"
elif [ -n "$only" ]; then
	rm -f "$json"
	echo "reliability: go test -tags integration -short -run '$only' ./tests/reliability/ (log $log)"
	$go test -count=1 -v -short -parallel 8 -tags integration -timeout 20m -run "$only" ./tests/reliability/ -args -report "$(pwd)/$json" >"$log" 2>&1
	rc=$?
	grep -E '^(--- FAIL|FAIL|ok|secrets scan)' "$log" | head -40
else
rm -f "$json"
echo "reliability: go test -tags integration ./tests/reliability/ (soak $soak runs; log $log)"
$go test -count=1 -v -parallel 8 -tags integration -timeout 20m ./tests/reliability/ -args -report "$(pwd)/$json" -soak "$soak" >"$log" 2>&1
rc=$?
grep -E '^(--- FAIL|FAIL|ok|secrets scan)' "$log" | head -40

: >"$fuzzlog"
: >"$fuzzlog.summary"
if [ "$fuzztime" != "0" ]; then
	echo "reliability: fuzzing each target for $fuzztime (log $fuzzlog)"
	for pkg in $($go list ./internal/... ./modules/... 2>/dev/null); do
		for target in $($go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
			if $go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >>"$fuzzlog" 2>&1; then r=ok; else r=FAILED; rc=1; fi
			echo "fuzz $pkg $target $fuzztime $r" | tee -a "$fuzzlog.summary"
		done
	done
fi
fi

if [ ! -s "$json" ]; then
	echo "reliability: no report written ($json); see $log" >&2
	exit 1
fi
doc=docs/reliability.md
python3 - "$json" "$fuzzlog.summary" "$only" "$doc" >"$doc.new" <<'PY' && mv "$doc.new" "$doc" || { rm -f "$doc.new"; exit 1; }
import json, os, re, sys
from collections import defaultdict

r = json.load(open(sys.argv[1]))
fuzz = []
if os.path.exists(sys.argv[2]):
    fuzz = [l.split() for l in open(sys.argv[2]) if l.strip()]
only = sys.argv[3]
docpath = sys.argv[4]
cases = r.get("cases") or []
ran = {c["section"] for c in cases}
def esc(s):
    return str(s).replace("|", "\\|").replace("\n", " ")
def yes(c):
    return "yes" if c["passed"] else "**no**"

# Issue 14 categories: the class of each case, sorted by class then case.
HARDENING = "hardening"

# figures: (key, row); key is the label up to its first " (" so that a partial run replaces
# the row the last full run wrote.
figures = []
def fig(label, value):
    figures.append((label.split(" (")[0], f"| {label} | {value} |"))
secs = defaultdict(lambda: [0, 0])
for c in cases:
    secs[c["section"]][0] += 1
    secs[c["section"]][1] += c["passed"]
for name, label in [("faults", "fault cases passed"), ("bad_input", "bad-input cases passed"),
                    ("tls", "TLS cases passed"), ("sessions", "session-limit cases passed"),
                    ("playbook", "ansible-playbook cases passed")]:
    if name in secs:
        fig(label, f"{secs[name][1]} of {secs[name][0]}")
fr = [c for c in cases if c["section"] == "faults"]
if fr:
    fig("faults survived (module ended as the case requires and the iLO state checked out)", f"{sum(c['passed'] for c in fr)} of {len(fr)}")
s = r.get("soak")
if s:
    fig(f"soak runs (parallelism {s['parallelism']})", f"{s['runs']} in {s['seconds']:.0f} s, {s['logins']} logins")
    fig("sessions left after the soak (runs that could log out)", f"{s['sessions_left']}")
    fig("sessions left by SIGKILLed runs", f"{s['sigkill_sessions_left']} of {s['sigkill_runs']} runs (cleared by the iLO's idle expiry: {'yes' if s['idle_expired_ok'] else 'NO'})")
if not only:
    sc = r["secrets"]
    fig("secrets found in output", f"{sc['hits']} (scanned {sc['outputs']} outputs, {sc['bytes']} bytes, for {sc['secrets']} secrets: the password and every session token seen, as written, JSON-escaped and URL-encoded)")
ho = [c for c in cases if c["section"] == "hostile"]
if ho:
    fig("hostile-iLO cases passed (issue 14)", f"{sum(c['passed'] for c in ho)} of {len(ho)}")
    big = max(ho, key=lambda c: c.get("peak_rss_kib", 0))
    fig(f"peak memory of a module under a hostile answer (largest: {big['case']})", f"{big.get('peak_rss_kib', 0) >> 10} MiB")
    st = [c.get("seconds", 0) for c in ho if c.get("class", "").startswith("2 ")]
    if st:
        fig("time to fail on a stalled answer (request timeout 3 s)", f"{min(st):.1f}–{max(st):.1f} s")
    fig("sessions left after the hostile cases", f"{sum(c['sessions_left'] for c in ho)}")
hd = [c for c in cases if c["section"] == HARDENING]
if hd:
    by = defaultdict(lambda: [0, 0])
    for c in hd:
        by[c["class"]][0] += 1
        by[c["class"]][1] += c["passed"]
    fig("local-file, argument and status cases passed (issue 14 classes 3, 4, 8)",
        f"{sum(c['passed'] for c in hd)} of {len(hd)} (" + "; ".join(f"class {k}: {v[1]} of {v[0]}" for k, v in sorted(by.items())) + ")")
    fig("sessions left after the local-file, argument and status cases", f"{sum(c['sessions_left'] for c in hd)}")
if fuzz:
    ok = sum(1 for f in fuzz if f[-1] == "ok")
    fig("fuzz targets", f"{ok} of {len(fuzz)} passed, {', '.join(sorted({f[3] for f in fuzz}))} each")

bad = [c for c in cases if not c["passed"]]
failed = [f"- {c['section']} / {c['module']} / {esc(c['case'])}: outcome {c['outcome']}, {c['writes']} writes; {esc(c.get('detail',''))}" for c in bad]

# blocks: (heading key, lines), in document order.
blocks = []
def block(title, lines):
    blocks.append((title.split(" (")[0], [f"## {title}", ""] + lines))

if fr:
    L = []
    p = L.append
    p("Rows are faults, columns modules; a cell is the module's outcome (ok, changed, failed) and ✓ when the")
    p("case's assertions held (final iLO state, no duplicate resource, no session left, rerun converges,")
    p("message names the problem), ✗ when they did not, — when the fault does not apply.")
    p("")
    mods = sorted({c["module"] for c in fr})
    faults = []
    for c in fr:
        if c["case"] not in faults:
            faults.append(c["case"])
    cell = {(c["case"], c["module"]): c for c in fr}
    p("| Fault | " + " | ".join(mods) + " |")
    p("|---|" + "---|" * len(mods))
    for f in faults:
        row = []
        for m in mods:
            c = cell.get((f, m))
            row.append("—" if c is None else f"{'✓' if c['passed'] else '✗'} {c['outcome']}")
        p(f"| {esc(f)} | " + " | ".join(row) + " |")
    p("")
    p("Details (POSTs and writes are what the simulator counted during the case):")
    p("")
    p("| Module | Fault | Passed | Outcome | POSTs | Writes | Sessions left | Message |")
    p("|---|---|---|---|---|---|---|---|")
    for c in fr:
        p(f"| {c['module']} | {esc(c['case'])} | {yes(c)} | {c['outcome']} | {c['posts']} | {c['writes']} | {c['sessions_left']} | {esc(c.get('detail',''))} |")
    p("")
    block("Fault matrix", L)

bi = [c for c in cases if c["section"] == "bad_input"]
if bi:
    L = ["Each must fail with a message naming the problem, exit non-zero, print no Go panic text and",
         "cause zero writes on the simulator.", "", "| Module | Case | Passed | Writes | Message |", "|---|---|---|---|---|"]
    L += [f"| {c['module']} | {esc(c['case'])} | {yes(c)} | {c['writes']} | {esc(c.get('detail',''))} |" for c in bi]
    block(f"Bad-input matrix ({len(bi)} cases)", L + [""])

for sec, title in [("tls", "TLS"), ("sessions", "Session limit"), ("playbook", "Through real ansible-playbook")]:
    rows = [c for c in cases if c["section"] == sec]
    if rows:
        L = ["| Case | Passed | Outcome | Message |", "|---|---|---|---|"]
        L += [f"| {esc(c['case'])} | {yes(c)} | {c['outcome']} | {esc(c.get('detail',''))} |" for c in rows]
        block(title, L + [""])

if ho:
    L = ["A small Redfish server in the test (`tests/reliability/hostile_server_test.go`) answers as no iLO",
         "would; update_info runs against it. Each case must end with one JSON result, failed (or not) with a",
         "message naming the problem in words and no Go jargon, no secret in the output, no session left on",
         "the server, peak memory under 160 MiB and, for a stall, a failure within about the request timeout.",
         "", "| Class | Case | Passed | Outcome | Peak MiB | Seconds | Sessions left | Message |", "|---|---|---|---|---|---|---|---|"]
    for c in sorted(ho, key=lambda c: (c.get("class", ""), c["case"])):
        L.append(f"| {esc(c.get('class',''))} | {esc(c['case'])} | {yes(c)} | {c['outcome']} | {c.get('peak_rss_kib',0) >> 10} | {c.get('seconds',0):.1f} | {c['sessions_left']} | {esc(c.get('detail',''))} |")
    block(f"Hostile iLO ({len(ho)} cases)", L + [""])

if hd:
    L = ["Real files and real arguments against the simulator (`tests/reliability/hardening_test.go`): local",
         "files that are FIFOs, devices, directories, too large or replaced while they are uploaded;",
         "arguments that overflow, carry credentials or control characters, or count characters not bytes;",
         "an arguments file that is a device or huge; and the status a run reports when it fails before any",
         "write or cannot know its outcome. Each case checks the JSON result and its message, the writes and",
         "logins the simulator counted (\"before login\": none), no session left and no secret in the output.",
         "", "| Class | Module | Case | Passed | Outcome | Writes | Logins | Sessions left | Message |", "|---|---|---|---|---|---|---|---|---|"]
    for c in sorted(hd, key=lambda c: (c.get("class", ""), c["module"], c["case"])):
        L.append(f"| {esc(c.get('class',''))} | {c['module']} | {esc(c['case'])} | {yes(c)} | {c['outcome']} | {c['writes']} | {c.get('logins',0)} | {c['sessions_left']} | {esc(c.get('detail',''))} |")
    block(f"Local files, arguments and status ({len(hd)} cases)", L + [""])

if s:
    L = [f"{s['runs']} module runs, {s['parallelism']} at a time, against one iLO (session cap 64).",
         "SIGKILL cannot log out: a killed run leaves its session until the iLO's idle timeout",
         "(30 min on iLO 5); the test then moves the simulator's clock past it and checks that none is left.",
         "", "| Kind × outcome | Runs |", "|---|---|"]
    L += [f"| {esc(k)} | {v} |" for k, v in sorted(s["outcomes"].items())]
    block("Sessions soak", L + [""])

if fuzz:
    L = ["| Package | Target | Time | Result |", "|---|---|---|---|"]
    L += [f"| {f[1]} | {f[2]} | {f[3]} | {f[4]} |" for f in fuzz]
    L += ["", "Found and fixed: `ilo.ParseRelative(\"+110000d\")` overflowed `time.Duration` to a negative value",
          "that passed the ten-year check (FuzzParseRelative; the input is kept in",
          "`internal/ilo/testdata/fuzz/FuzzParseRelative`).", ""]
    block("Fuzzing", L)

INTRO = ["The modules run as Ansible runs them: the multi-call binary `cmd/fleetfw-ilo` with an args file,",
         "one JSON document out, against simulated iLOs (`internal/ilosim`) served in-process on 127.0.0.1",
         "by `internal/simharness`, the harness the integration suite shares.",
         "Faults come from the simulator's fault injection (`/_sim/faults`) or, where they must hit an exact",
         "request, from a proxy in the test (a write executed by the iLO whose reply is lost as a 503; sessions",
         "expired just after login; responses held back)."]

def render_full():
    out = ["# Reliability and security report", "",
           "Generated by `scripts/reliability-report.sh` (`make reliability`) from the JSON report of",
           "`go test -tags integration ./tests/reliability/` — do not edit by hand. Issues 8 and 14 define the suite.",
           f"Run started {r['started']} with {r['go_version']}; suite exit code {r['exit_code']}.", ""]
    out += INTRO + ["", "## Figures", "", "| What | Figure |", "|---|---|"] + [row for _, row in figures] + [""]
    out += [f"## Failed cases ({len(bad)})", ""] + (failed or ["None."]) + [""]
    for _, lines in blocks:
        out += lines
    return out

def render_partial(old):
    # Split the last document into its preamble and "## " blocks.
    pre, olds, cur = [], [], None
    for line in old:
        if line.startswith("## "):
            cur = (line[3:].split(" (")[0], [line])
            olds.append(cur)
        elif cur is None:
            pre.append(line)
        else:
            cur[1].append(line)
    note = f"Sections regenerated by `ONLY='{only}'` (-short), run started {r['started']} with {r['go_version']}; exit code {r['exit_code']}."
    pre = [l for l in pre if not l.startswith("Sections regenerated by `ONLY=")]
    at = next((k for k, l in enumerate(pre) if l.startswith("Run started")), len(pre) - 1)
    pre.insert(at + 1, note)
    new = dict(blocks)
    out = list(pre)
    done = set()
    for key, lines in olds:
        if key == "Figures":
            rows = {k: row for k, row in figures}
            body, used = [], set()
            for l in lines:
                if l.startswith("| ") and not l.startswith("| What") :
                    k = l[2:].split(" | ")[0].split(" (")[0]
                    if k in rows:
                        body.append(rows[k]); used.add(k); continue
                if l == "" and body and body[-1].startswith("|"):
                    body += [row for k, row in figures if k not in used]
                    used |= {k for k, _ in figures}
                body.append(l)
            out += body
        elif key == "Failed cases":
            kept = [l for l in lines if l.startswith("- ") and l[2:].split(" / ")[0] not in ran]
            allf = kept + failed
            out += [f"## Failed cases ({len(allf)})", ""] + (allf or ["None."]) + [""]
        elif key in new:
            out += new[key]; done.add(key)
        else:
            out += lines
    # Sections the last document did not have go before the soak (or at the end).
    extra = [lines for key, lines in blocks if key not in done]
    if extra:
        at = next((k for k, l in enumerate(out) if l.startswith("## Sessions soak")), len(out))
        out[at:at] = [l for lines in extra for l in lines]
    return out

if only and os.path.exists(docpath):
    lines = render_partial(open(docpath).read().split("\n"))
    while lines and lines[-1] == "":
        lines.pop()
else:
    lines = render_full()
print("\n".join(lines))
PY
echo "reliability: wrote $doc"
exit $rc
