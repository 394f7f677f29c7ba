#!/usr/bin/env bash
# Every test: install what is missing, build with warnings as errors, check the style, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=Release -DOOPSIM_WERROR=ON >/dev/null
cmake --build build-ci -j"$(nproc)"
git ls-files 'models/*' 'traces/*' 'policies/*' 'sim/*' 'bench/*' 'tests/*' | grep -E '\.(cc|h)$' | grep -v '^traces/vm/' | xargs clang-format --dry-run --Werror
ctest --test-dir build-ci --output-on-failure --timeout 300 -j"$(nproc)"
# Every fuzz target for a few seconds (clang + libFuzzer, ASan+UBSan): a finding fails CI.
scripts/fuzz.sh --smoke
