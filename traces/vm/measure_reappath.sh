#!/usr/bin/env bash
# Measure the reap path: the kernel functions a parent runs when it reaps a killed child
# (release_task and all it calls), in a freshly booted guest: kernel cmdline
# oopsim.measure=reappath, guest script guest/reappath.sh, host side `vmctl.py measure-reap`.
# The engine reads the table (models/reap_path.txt) to see a fault in that code strike the
# reaper of a task the policy killed (init, for the workloads: then the kernel panics).
# usage: measure_reappath.sh [OUT] [vmctl.py measure-reap options]   (OUT default: models/reap_path.txt)
# env: OOPSIM_CACHE, OOPSIM_WORKLOADS, OOPSIM_APPEND, OOPSIM_SMP, OOPSIM_MEM
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
"$HERE/setup.sh" >&2   # idempotent: rebuilds the initramfs if guest/ changed
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then OUT=$1; shift; else OUT="$HERE/../../models/reap_path.txt"; fi
exec python3 "$HERE/vmctl.py" measure-reap "$CACHE/runs/reappath" --out "$OUT" "$@"
