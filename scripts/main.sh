#!/usr/bin/env bash
# The main job: install what is missing, build in Release, and predict every bundled trace under
# every policy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
build/bin/simrun --policy=all --report=build/report.html tests/golden "$@"
echo "report: build/report.html" >&2
