#!/usr/bin/env bash
# The campaign runner against a failing harness, without a VM: simcampaign runs beside a stand-in
# simcapture that (by seed) succeeds, dies as when its VM is killed, or hangs. Checked: a harness
# failure is reported with its cause, kept in failed/, not counted, and run again on resume; a hang
# is cut at --timeout and recorded; a full disk while results are written stops the campaign with
# exit 74 and a clear message, leaves no partial file, keeps every result written before, and a
# resume after making room ends with each experiment counted once.
# Usage: campaign_harness_faults.sh SIMCAMPAIGN WORKDIR
set -euo pipefail
simcampaign=$1 work=$2
if mountpoint -q "$work/c2/results" 2>/dev/null; then umount "$work/c2/results"; fi
rm -rf "$work"
mkdir -p "$work/bin" "$work/state"
cp "$simcampaign" "$work/bin/simcampaign"
cat >"$work/bin/simcapture" <<'FAKE'
#!/usr/bin/env bash
# Stand-in for simcapture: behaves by seed (FAKE_PLAN "seed=mode ..."); "vmkill" fails only once.
seed=0
while (($#)); do case $1 in --seed) seed=$2; shift 2 ;; *) shift ;; esac; done
mode=ok
for p in $FAKE_PLAN; do [[ ${p%%=*} == "$seed" ]] && mode=${p#*=}; done
case $mode in
vmkill)
  if [[ ! -e $FAKE_STATE/failed-$seed ]]; then
    touch "$FAKE_STATE/failed-$seed"
    echo "simcapture: injected run" >&2
    echo "vmctl: QEMU (pid 4242) was killed by signal 9 4.0 s into the run: the run is not an experiment" >&2
    echo "simcapture: injected run failed (exit 1)" >&2
    exit 69
  fi ;;
hang) echo "simcapture: injected run" >&2; sleep 300 ;;
esac
echo "simcapture: BRANCH at f+0x1 (seed $seed)"
echo "simcapture: fault activated"
exit 0
FAKE
chmod +x "$work/bin/simcapture"
export FAKE_STATE=$work/state
run() { "$work/bin/simcampaign" run "$1" --types BRANCH --first-seed 1 --seeds "$2" --seconds 1 \
  --timeout 4 --functions f --sites all --cache "$work/cache" --state "$work/state"; }

# 1. A killed VM and a hang.
export FAKE_PLAN="2=vmkill 3=hang"
run "$work/c1" 3 >"$work/c1.first.log" 2>&1
grep -q "BRANCH-s2: the harness failed (exit 69): vmctl: QEMU (pid 4242) was killed by signal 9" "$work/c1.first.log"
grep -q "2/3 experiments done" "$work/c1.first.log"
grep -q "1 experiment(s) failed in the harness" "$work/c1.first.log"
test -s "$work/c1/failed/BRANCH-s2.json"
test ! -e "$work/c1/results/BRANCH-s2.json"
python3 - "$work/c1/results/BRANCH-s3.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit"] == 124 and r["timed_out"], r
assert r["error"].startswith("timed out after"), r
PY
run "$work/c1" 3 >"$work/c1.second.log" 2>&1  # resume: the failed one runs again
grep -q "3 experiments here, 1 to run" "$work/c1.second.log"
grep -q "3/3 experiments done" "$work/c1.second.log"
! grep -q "failed in the harness" "$work/c1.second.log"
test "$(tail -n +2 "$work/c1/index.csv" | cut -d, -f1 | sort -u | wc -l)" -eq 3
test "$(tail -n +2 "$work/c1/index.csv" | wc -l)" -eq 3

# 2. A full disk while results are written (a tiny tmpfs over results/; needs root).
if [[ $(id -u) -ne 0 ]]; then
  echo "ok (disk-full part skipped: not root)"
  exit 0
fi
export FAKE_PLAN=""
mkdir -p "$work/c2/results"
mount -t tmpfs -o size=16k tmpfs "$work/c2/results"
trap 'umount "$work/c2/results" 2>/dev/null || true' EXIT
dd if=/dev/zero of="$work/c2/results/filler" bs=4k count=16 2>/dev/null || true
rc=0
run "$work/c2" 4 >"$work/c2.first.log" 2>&1 || rc=$?
test "$rc" -eq 74 || { cat "$work/c2.first.log" >&2; echo "exit $rc, not 74" >&2; exit 1; }
grep -q "cannot write .*results/BRANCH-s[0-9].json: No space left on device; stopping" "$work/c2.first.log"
! ls "$work/c2/results" | grep -q '\.tmp$'
test "$(ls "$work/c2/results" | grep -c '\.json$')" -eq 0
rm "$work/c2/results/filler"
run "$work/c2" 4 >"$work/c2.second.log" 2>&1
grep -q "4/4 experiments done" "$work/c2.second.log"
test "$(tail -n +2 "$work/c2/index.csv" | cut -d, -f1 | sort -u | wc -l)" -eq 4
echo ok
