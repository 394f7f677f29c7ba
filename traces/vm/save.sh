#!/usr/bin/env bash
# Boot a guest, wait for steady state, QMP stop + migrate to DIR/vmstate.zst (zstd -1), freeze disk overlays.
# usage: save.sh [DIR] [vmctl.py save options]   (DIR default: $OOPSIM_CACHE/state)
# env: OOPSIM_CACHE, OOPSIM_WORKLOADS, OOPSIM_APPEND (extra kernel cmdline), OOPSIM_SMP, OOPSIM_MEM
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
[ -f "$CACHE/initramfs.cpio.gz" ] || "$HERE/setup.sh"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then DIR=$1; shift; else DIR="$CACHE/state"; fi
exec python3 "$HERE/vmctl.py" save "$DIR" "$@"
