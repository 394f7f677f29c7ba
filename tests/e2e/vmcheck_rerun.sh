#!/usr/bin/env bash
# End-to-end: vmcheck reruns one real crash trace live under kill-faulty and lock-release, with
# the policy enforced by the guest (the recovery module, in a saved state made here), and the
# scored report is checked: both policies scored or each unscored rerun explained, the injection
# fired in both reruns, lock-release really released locks in the guest.
# Then a copy of the trace that names another kernel build is refused before anything runs.
# Usage: vmcheck_rerun.sh VMCHECK WORKDIR CACHE TRACE SIMTRACE
set -euo pipefail
vmcheck=$1 work=$2 cache=$3 trace=$4 simtrace=$5
source "$(dirname "$0")/failure_first.sh" "$work.log"
rm -rf "$work"
mkdir -p "$work"
export OOPSIM_CACHE=$cache
here=$(cd "$(dirname "$0")/../.." && pwd)
# A kept state-recover is saved again when the guest or the recovery module changed since.
if [[ -s $cache/state-recover/vmstate.zst ]]; then
  "$here/traces/vm/setup.sh" --recover >"$work/setup.log" 2>&1 || { tail -20 "$work/setup.log" >&2; exit 1; }
  python3 "$here/traces/vm/vmctl.py" state-current "$cache/state-recover" || rm -rf "$cache/state-recover"
fi
if [[ ! -s $cache/state-recover/vmstate.zst ]]; then
  "$here/traces/vm/save.sh" "$cache/state-recover" --recover >"$work/save.log" 2>&1 ||
    { tail -20 "$work/save.log" >&2; exit 1; }
fi
"$vmcheck" --policy=kill-faulty,lock-release -j 1 --cache "$cache" --state "$cache/state-recover" \
  --plain-state "$cache/state" \
  --out "$work/out" --format json -o "$work/score.json" "$trace" 2>"$work/vmcheck.log" ||
  { tail -30 "$work/vmcheck.log" >&2; exit 1; }
python3 - "$work/score.json" "$work/out" <<'PY'
import json, os, sys
score = json.load(open(sys.argv[1]))
pol = {p["policy"]: p for p in score["policies"]}
assert set(pol) == {"kill-faulty", "lock-release"}, pol.keys()
for name, p in pol.items():
    assert p["traces"] == 1, p
    runs = [r for r in score["runs"] if r["policy"] == name]
    assert len(runs) == 1
    r = runs[0]
    try:
        console = open(os.path.join(r["rerun_dir"], "injected", "console.log"), errors="replace").read()
    except FileNotFoundError:
        console = ""
    # a rerun that failed is reported with vmcheck's cause, not as an injection that did not fire
    assert "Oops" in console or "BUG:" in console or "general protection" in console, \
        "%s: no oops in the rerun's console; vmcheck says: %s" % (name, r.get("problem") or "(no problem reported)")
    if name == "lock-release":
        assert "oopsim-recover:" in console, "lock-release was not enforced in the guest"
    if r["rerun_ok"]:
        assert len(r["workloads"]) == 6, r
        agree = sum(w["agree"] for w in r["workloads"])
        assert p["agree"] == agree and p["total"] == 6, p
        for w in r["workloads"]:
            assert w["predicted"] and w["observed"] and w["predicted_why"], w
    else:
        assert r["problem"], r
    print(f"{name}: rerun_ok={r['rerun_ok']} agree={p['agree']}/{p['total']} "
          f"predict {r['predict_seconds']:.2f}s rerun {r['rerun_seconds']:.1f}s")
PY
test -s "$work/out/score.json"
# The same crash, said to be captured on another kernel build: vmcheck refuses to rerun it.
"$simtrace" convert "$trace" -o "$work/other-build.trace.txt" >/dev/null
# (the header's build id replaced, or added to a trace from before the field)
if grep -q '^header .*kernel_build_id=' "$work/other-build.trace.txt"; then
  sed -i '0,/^header /s/kernel_build_id=[^ ]*/kernel_build_id=00112233/' "$work/other-build.trace.txt"
else
  sed -i '0,/^header /s/^\(header .*\)$/\1 kernel_build_id=00112233/' "$work/other-build.trace.txt"
fi
"$vmcheck" --policy=kill-faulty -j 1 --cache "$cache" --state "$cache/state-recover" \
  --plain-state "$cache/state" --out "$work/out-other" --format json -o "$work/other.json" \
  "$work/other-build.trace.txt" 2>"$work/other.log" || true
grep -q "refusing: the trace was captured on the kernel build 00112233" \
  "$work/out-other/reruns/other-build.trace.txt.kill-faulty/vmcheck.log" ||
  { echo "FAIL: a trace of another kernel build was not refused"; tail -5 "$work/other.log"; exit 1; }
echo ok
