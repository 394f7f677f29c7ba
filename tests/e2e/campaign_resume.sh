#!/usr/bin/env bash
# End-to-end: a two-experiment campaign on the real VM is killed while it runs, then rerun (with
# one experiment's VM killed under it, which is reported and rerun once more): the reruns skip
# what finished, lose nothing, leave no VM behind, and the index lists each experiment once. CRASH_ID names the experiment that must crash (its site is one the campaigns
# saw crash), with its trace kept and replayable.
# Usage: campaign_resume.sh SIMCAMPAIGN SIMRUN WORKDIR CACHE STATE FUNCTIONS TYPES FIRST_SEED CRASH_ID
set -euo pipefail
simcampaign=$1 simrun=$2 work=$3 cache=$4 state=$5 functions=$6 types=$7 first_seed=$8 crash=$9
source "$(dirname "$0")/failure_first.sh" "$work.log"
rm -rf "$work"
args=(run "$work" --types "$types" --first-seed "$first_seed" --seeds 1 --seconds 6
      --cache "$cache" --state "$state" --functions "$functions" --sites all)
"$simcampaign" "${args[@]}" >"$work.first.log" 2>&1 &
pid=$!
# Killed once a VM of it runs (a fixed delay outlived the whole campaign once it got faster).
for _ in $(seq 600); do
  pgrep -f "qemu-system.*$work" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
sleep 1
kill -TERM "$pid" 2>/dev/null ||
  { cat "$work.first.log" >&2; echo "the first pass ended before it could be killed" >&2; exit 1; }
wait "$pid" || true
sleep 1
if pgrep -f "qemu-system.*$work" >/dev/null; then
  echo "a VM of the killed campaign is still running" >&2
  exit 1
fi
# The rerun: something kills the VM of one experiment once it has restored its state. vmctl
# says so, the campaign reports a harness failure (not counted), and the next rerun runs it.
"$simcampaign" "${args[@]}" >"$work.second.log" 2>&1 &
pid=$!
victim=
for _ in $(seq 300); do
  # a run of this pass that has restored its state and whose QEMU runs (the killed first pass
  # left its run folders behind)
  for log in $(grep -l "restored in" "$work"/runs/*/simcapture.log 2>/dev/null || true); do
    victim=$(pgrep -f "qemu-system.*$(dirname "$log")/" | head -1 || true)
    [[ -n $victim ]] && break
  done
  if [[ -n $victim ]]; then
    sleep 1
    kill -KILL "$victim" 2>/dev/null && break
    victim=
  fi
  kill -0 "$pid" 2>/dev/null || break  # the pass ended first
  sleep 0.2
done
wait "$pid" || true
if [[ -n $victim ]]; then
  grep -q "the harness failed (exit [0-9]*): vmctl: QEMU (pid $victim) was killed by signal 9" "$work.second.log" ||
    { cat "$work.second.log" >&2; echo "the killed VM was not reported" >&2; exit 1; }
  "$simcampaign" "${args[@]}" >"$work.third.log" 2>&1
  mv "$work.second.log" "$work.killed.log"
  mv "$work.third.log" "$work.second.log"
fi
grep -q "2/2 experiments done" "$work.second.log"
test -z "$(ls "$work/failed")"
test "$(ls "$work/results" | grep -c '\.json$')" -eq 2
test "$(tail -n +2 "$work/index.csv" | wc -l)" -eq 2
test "$(tail -n +2 "$work/index.csv" | cut -d, -f1 | sort -u | wc -l)" -eq 2
! ls "$work/results" | grep -q '\.tmp$'
grep -q "^$crash,.*,true,true," "$work/index.csv" || { echo "$crash did not crash" >&2; cat "$work/index.csv" >&2; exit 1; }
test -s "$work/traces/$crash.pb"
"$simrun" --policy=kill-faulty --policy=panic "$work/traces/$crash.pb" >"$work.simrun.out"
cat "$work.simrun.out"
echo "ok: $(tail -n +2 "$work/index.csv" | tr '\n' ' ')"
