#!/usr/bin/env bash
# The main job: install what is missing, build in Release, and predict every bundled real crash
# (traces/corpus) under every policy; print the predicted-versus-observed summary. The full
# per-trace tables go to build/corpus-predictions.txt, the HTML report to build/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
inputs=("$@")
((${#inputs[@]})) || inputs=(traces/corpus)
start=$(date +%s.%N)
build/bin/simrun --policy=all --report=build/report.html "${inputs[@]}" >build/corpus-predictions.txt
end=$(date +%s.%N)
sed -n '/^Summary over/,$p' build/corpus-predictions.txt
awk -v a="$start" -v b="$end" -v n="$(nproc)" 'BEGIN { printf "predicted in %.1f s on %d cores\n", b - a, n }' >&2
echo "per-trace predictions: build/corpus-predictions.txt; report: build/report.html" >&2
