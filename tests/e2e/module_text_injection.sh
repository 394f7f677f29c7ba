#!/usr/bin/env bash
# Fault injection into a loaded module's text: simcapture reads the modules' live text from the
# saved state (STATE/modtext, made on demand: relocated, at the loader's addresses), draws the
# site in vfat's vfat_lookup (every open on the vfat and usb file systems runs it), writes the
# mutation into the live module text after checking the bytes there, and sees it execute. The
# trace names the module; the golden run's plugin records who runs the site.
# Usage: module_text_injection.sh SIMCAPTURE SIMTRACE WORKDIR VMCACHE STATE
set -euo pipefail
simcapture=$1 simtrace=$2 work=$3 cache=$4 state=$5
source "$(dirname "$0")/failure_first.sh" "$work.log"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$state/modtext"  # made again on demand
# An unknown module function is refused with the reason, before any VM runs.
if "$simcapture" --dry-run --fault-type PTR --site vfat:no_such_function --cache "$cache" \
  --state "$state" >"$work/bad.txt" 2>&1; then fail "an unknown module function was accepted"; fi
grep -q "modtext/index.txt: missing" "$work/bad.txt" || fail "no reason given: $(cat "$work/bad.txt")"
"$simcapture" -o "$work/vfat.pb" --fault-type PTR --site vfat:vfat_lookup+0x99 --seconds 8 \
  --cache "$cache" --state "$state" --runs "$work/runs" >"$work/capture.txt" 2>"$work/capture.err" ||
  { tail -30 "$work/capture.err"; fail "capture"; }
grep -q "fault activated" "$work/capture.txt" || fail "the module site never ran: $(cat "$work/capture.txt")"
[[ -s $state/modtext/index.txt && -s $state/modtext/vfat.bin ]] || fail "no module text in $state/modtext"
if "$simcapture" --dry-run --fault-type PTR --site vfat:no_such_function --cache "$cache" \
  --state "$state" >"$work/bad.txt" 2>&1; then fail "an unknown module function was accepted"; fi
grep -q "vfat:no_such_function is not a text symbol" "$work/bad.txt" || fail "reason: $(cat "$work/bad.txt")"
# The bytes the injector drew from are the live text's: the run checked them before writing.
python3 - "$work/runs/injected/timing.json" "$state/kallsyms" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
p = t.get("patch") or sys.exit("FAIL: no patch in timing.json")
if p.get("refused"): sys.exit("FAIL: refused: " + p["refused"])
if not p.get("activated"): sys.exit("FAIL: not activated")
addr = int(p["edits"][0]["addr"], 16)
lo = min(int(l.split()[0], 16) for l in open(sys.argv[2]) if l.rstrip().endswith("[vfat]"))
if not lo <= addr < lo + (1 << 20): sys.exit("FAIL: %#x is not in vfat's text" % addr)
PY
"$simtrace" validate "$work/vfat.pb"
"$simtrace" convert "$work/vfat.pb" -o "$work/vfat.txt" >/dev/null
grep -Eq '^fault type=ptr symbol=vfat_lookup offset=0x99 .*module=vfat' "$work/vfat.txt" ||
  fail "the trace does not name the module: $(grep -m1 '^fault' "$work/vfat.txt")"
"$simtrace" summary "$work/vfat.pb" | grep -q "fault PTR at vfat:vfat_lookup+0x99" || fail "summary"
grep -q "type=site-run" "$work/vfat.txt" || fail "no site-run events in the golden section"
echo "ok: module text injection"
