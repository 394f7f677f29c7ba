#!/usr/bin/env bash
# Runs CI (.ci/run) N times, each on a fresh clone in its own mktemp -d folder, and records each
# run's result and time: the evidence that CI is not flaky.
#   scripts/ci-repeat.sh N [--hog-from K] [--hog CMD] [--log FILE]
# From run K on (default: never), CMD (default: a busy loop on one core) runs beside CI for the
# whole run, to show the VM tests pass under load. The clones are removed after a green run and
# kept (their path is logged) after a red one.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
n=${1:?how many runs}
shift
hog_from=0 hog="while :; do :; done" log=ci-repeat.log
while (($#)); do
  case $1 in
  --hog-from) hog_from=$2; shift 2 ;;
  --hog) hog=$2; shift 2 ;;
  --log) log=$2; shift 2 ;;
  *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
for i in $(seq "$n"); do
  dir=$(mktemp -d)
  git clone -q "$repo" "$dir/oopsim"
  commit=$(git -C "$dir/oopsim" rev-parse --short HEAD)  # this run's code
  hog_pid=
  if ((hog_from > 0 && i >= hog_from)); then
    setsid bash -c "$hog" >/dev/null 2>&1 &
    hog_pid=$!
  fi
  start=$(date +%s)
  (cd "$dir/oopsim" && .ci/run) >"$dir/ci.log" 2>&1 &
  ci=$!
  # What else ran on the machine meanwhile: the most CPU-busy other process, sampled every 20 s.
  others=
  while kill -0 "$ci" 2>/dev/null; do
    busy=$(ps -eo pcpu=,comm=,args= --sort=-pcpu | grep -vF "$dir" | awk '$1 >= 50 {print $2}' | head -1)
    [[ -n $busy && $others != *"$busy"* ]] && others="$others $busy"
    sleep 20
  done
  wait "$ci"
  rc=$?
  secs=$(($(date +%s) - start))
  [[ -n $hog_pid ]] && kill -- -"$hog_pid" 2>/dev/null
  summary=$(grep -E "tests passed|tests failed" "$dir/ci.log" | tail -1)
  printf '%s run %d/%d at %s: exit %d in %d s%s; %s\n' "$(date -u +%FT%TZ)" "$i" "$n" "$commit" \
    "$rc" "$secs" "${hog_pid:+ (with a CPU hog)}${others:+ (busy beside it:$others)}" "$summary" | tee -a "$log"
  if ((rc == 0)); then rm -rf "$dir"; else echo "  kept: $dir" | tee -a "$log"; fi
done
