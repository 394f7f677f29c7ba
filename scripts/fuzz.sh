#!/usr/bin/env bash
# libFuzzer over every reader of outside input (tests/fuzz), with ASan and UBSan, built by clang.
#   scripts/fuzz.sh [--seconds S] [--jobs J] [TARGET...]   each target for S seconds (default 60)
#   scripts/fuzz.sh --smoke                                   each target 1500 runs, seed 1 (CI:
#                                                             the same inputs every time)
# Work in .cache/fuzz: build/, corpus/<target>/ (grows across runs, seeded each run from the
# tests and the bundled corpus), artifacts/<target>/ (crashes, timeouts, leaks), and
# report.tsv: per target the executions, edges covered (cov), features (ft), corpus size,
# findings. A finding fails the run; keep its input in tests/fuzz/regressions/<target>/ once
# fixed (the ordinary build replays those: ctest -R fuzz_regressions).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
seconds=60 jobs=1 targets=() fixed=()
while (($#)); do
  case $1 in
  --seconds) seconds=$2; shift 2 ;;
  --jobs) jobs=$2; shift 2 ;;
  --smoke) seconds=30 fixed=(-seed=1 -runs=1500); shift ;;
  *) targets+=("$1"); shift ;;
  esac
done
all=(binary_reader text_form xz ftrace_line console_log kallsyms site_hits campaign_json run_importer)
((${#targets[@]})) || targets=("${all[@]}")
work=$repo/.cache/fuzz
mkdir -p "$work"
scripts/install-deps.sh
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
CC=clang CXX=clang++ cmake -S . -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOOPSIM_FUZZ=ON \
  -DOOPSIM_SANITIZE=address,undefined -DOOPSIM_BUILD_TESTS=OFF -DOOPSIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)" --target simtrace $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
bin=$work/build/bin

# Seeds, from files the repository already has.
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
for t in "${all[@]}"; do mkdir -p "$seeds/$t"; done
for f in tests/golden/0[1-9]_*.trace.txt; do
  b=$(basename "$f" .trace.txt)
  "$bin/simtrace" convert "$f" -o "$seeds/binary_reader/$b.pb" >/dev/null
  xz -9 -c "$seeds/binary_reader/$b.pb" >"$seeds/xz/$b.pb.xz"
done
cp tests/golden/*.trace.txt tests/malformed/* "$seeds/text_form/"
fx=tests/import/fixtures
head -400 $fx/injected.ftrace.txt | awk -v d="$seeds/ftrace_line" 'NR % 8 == 0 { print > (d "/" NR ".txt"); close(d "/" NR ".txt") }'
cp $fx/injected.console.log $fx/golden.console.log "$seeds/console_log/"
for c in traces/corpus/consoles/{INIT-s1,PTR-s8,IRQ-s2}.console.log.xz; do
  [[ -f $c ]] && xz -dc "$c" | head -c 32768 >"$seeds/console_log/$(basename "$c" .xz)"
done
head -300 $fx/kallsyms.txt >"$seeds/kallsyms/kallsyms.txt"
cp tests/fuzz/seeds/site_hits/* "$seeds/site_hits/"
cp tests/fuzz/seeds/campaign_json/* "$seeds/campaign_json/"
sep=$'\n@@@@\n'
{ head -c 24000 $fx/injected.ftrace.txt; printf '%s' "$sep"; cat $fx/injected.console.log; printf '%s' "$sep"
  head -c 24000 $fx/golden.ftrace.txt; printf '%s' "$sep"; cat $fx/golden.console.log; printf '%s' "$sep"
  cat $fx/kallsyms.txt; printf '%s' "$sep"; cat tests/fuzz/seeds/site_hits/two_hits.txt; } >"$seeds/run_importer/fixtures.txt"
for t in "${all[@]}"; do
  [[ -d tests/fuzz/regressions/$t ]] && cp tests/fuzz/regressions/$t/* "$seeds/$t/" 2>/dev/null || true
done

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
printf 'target\tseconds\texecutions\tcov\tft\tcorpus\tfindings\n' >"$work/report.tsv"
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  log=$work/$t.log
  rc=0
  par=()
  ((jobs > 1)) && par=(-fork="$jobs")  # parallel workers in one run (their stats summed)
  (cd "$work" && "$bin/fuzz_$t" "$work/corpus/$t" "$seeds/$t" -max_total_time="$seconds" "${par[@]}" "${fixed[@]}" \
    -max_len=65536 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$t/" >"$log" 2>&1) || rc=$?
  execs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(ls "$work/corpus/$t" | wc -l)
  findings=$(ls "$work/artifacts/$t" | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" "$execs" "${cov:-?}" "${ft:-?}" "$corp" "$findings" >>"$work/report.tsv"
  if ((rc != 0 || findings > 0)); then
    failed=1
    echo "FINDING in $t (exit $rc): $log, inputs in $work/artifacts/$t/" >&2
    grep -m5 -E 'ERROR|runtime error|SUMMARY|abort' "$log" >&2 || true
  fi
done
column -t -s $'\t' "$work/report.tsv"
exit $failed
