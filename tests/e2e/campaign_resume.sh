#!/usr/bin/env bash
# End-to-end: a two-experiment campaign on the real VM is killed while it runs, then rerun: the
# rerun skips what finished, loses nothing, leaves no VM behind, and the index lists each
# experiment once.
# Usage: campaign_resume.sh SIMCAMPAIGN WORKDIR CACHE STATE FUNCTIONS TYPES
set -euo pipefail
simcampaign=$1 work=$2 cache=$3 state=$4 functions=$5 types=$6
rm -rf "$work"
args=(run "$work" --types "$types" --seeds 1 --seconds 8 --cache "$cache" --state "$state"
      --functions "$functions")
"$simcampaign" "${args[@]}" >"$work.first.log" 2>&1 &
pid=$!
sleep 15
kill -TERM "$pid"
wait "$pid" || true
sleep 1
if pgrep -f "qemu-system.*$work" >/dev/null; then
  echo "a VM of the killed campaign is still running" >&2
  exit 1
fi
"$simcampaign" "${args[@]}" >"$work.second.log" 2>&1
grep -q "2/2 experiments done" "$work.second.log"
test "$(ls "$work/results" | grep -c '\.json$')" -eq 2
test "$(tail -n +2 "$work/index.csv" | wc -l)" -eq 2
test "$(tail -n +2 "$work/index.csv" | cut -d, -f1 | sort -u | wc -l)" -eq 2
! ls "$work/results" | grep -q '\.tmp$'
echo "ok: $(tail -n +2 "$work/index.csv" | tr '\n' ' ')"
