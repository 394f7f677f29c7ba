#!/usr/bin/env bash
# Installs the Debian 12 packages oopsim builds with (with --test, those its tests need; with
# --bench, those scripts/bench-compare.sh needs: run as root). Idempotent: only missing packages
# are installed.
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libboost-fiber-dev libboost-context-dev libboost-graph-dev  # engine fibers, wait-for graph
  libprotobuf-dev protobuf-compiler                             # trace format
  libcli11-dev libfmt-dev nlohmann-json3-dev                    # flags, formatting, JSON reports
  libgtest-dev libbenchmark-dev                                 # tests, benchmarks
  clang-format                                                  # the style check in CI
  libcapstone-dev                                               # x86-64 decoding in the fault injector
  liblzma-dev xz-utils                                          # the corpus: .pb.xz traces read as they lie
  zstd                                                          # 6.12's vmlinuz payload (the injector unpacks it)
  zlib1g-dev                                                    # simrun --timeline FILE.json.gz
  graphviz                                                      # the report's graphs, drawn by dot
)
if [[ "${1:-}" == "--test" || "${1:-}" == "--bench" ]]; then
  # The regression benches' comparison: Google Benchmark's compare tools and their U test.
  packages+=(libbenchmark-tools python3-scipy)
fi
if [[ "${1:-}" == "--test" ]]; then
  # The report's end-to-end test renders it in headless Chromium.
  packages+=(chromium fonts-dejavu-core)
  # The Slurm engine's integration test runs a single-node Slurm.
  packages+=(munge slurmctld slurmd slurm-client)
  # The Python package's tests (python/) run on Debian's python3 with these.
  packages+=(python3-protobuf python3-pandas python3-pytest)
  # The timeline's test opens it in Chrome DevTools' trace engine from npm (node and npm; a node
  # that is already there, with its npm, is used as it is).
  command -v npm >/dev/null || packages+=(nodejs npm)
  # The fuzz targets (scripts/fuzz.sh, run briefly by CI) need clang and its libFuzzer runtime.
  packages+=(clang libclang-rt-14-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
