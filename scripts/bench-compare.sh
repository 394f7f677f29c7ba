#!/usr/bin/env bash
# The regression benches: runs the path benches (bench/path_bench.cc: reading binary, text and
# .xz traces, replaying under each policy, importing a real run, writing the reports) with
# repetitions and compares them with the committed baseline, bench/baseline.json, through Google
# Benchmark's compare tools and their U test (scripts/bench_regressions.py). Prints only the
# significant regressions; exits 1 on one. Timing depends on the machine: refresh the baseline on
# the machine you compare on, from a commit you trust.
#   scripts/bench-compare.sh [--repetitions N] [--refresh] [--build DIR]
#   --refresh: write the run as the new bench/baseline.json instead of comparing
set -euo pipefail
cd "$(dirname "$0")/.."
reps=9 refresh=0 build=build
while (($#)); do
  case $1 in
  --repetitions) reps=$2; shift 2 ;;
  --refresh) refresh=1; shift ;;
  --build) build=$2; shift 2 ;;
  *) echo "usage: scripts/bench-compare.sh [--repetitions N] [--refresh] [--build DIR]" >&2; exit 64 ;;
  esac
done
if ! [ -f /usr/share/benchmark/gbench/report.py ] || ! /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
  scripts/install-deps.sh --bench
fi
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target oopsim_bench >/dev/null
out=$(mktemp --suffix=.json)
trap 'rm -f "$out"' EXIT
"$build/bin/oopsim_bench" --benchmark_filter='^BM_Path' --benchmark_repetitions="$reps" \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null
if ((refresh)); then
  cp "$out" bench/baseline.json && chmod 644 bench/baseline.json
  echo "bench/baseline.json refreshed ($reps repetitions)"
  exit 0
fi
/usr/bin/python3 scripts/bench_regressions.py bench/baseline.json "$out"
