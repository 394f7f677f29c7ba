#!/usr/bin/env bash
# Boot a fresh guest (no saved state), wait for steady state, run --seconds, quit.
# usage: boot.sh [DIR] [vmctl.py boot options]   (DIR default: $OOPSIM_CACHE/runs/boot-TIMESTAMP)
# env: OOPSIM_CACHE, OOPSIM_WORKLOADS, OOPSIM_APPEND (extra kernel cmdline), OOPSIM_SMP, OOPSIM_MEM
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
[ -f "$CACHE/initramfs.cpio.gz" ] || "$HERE/setup.sh"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then DIR=$1; shift; else DIR="$CACHE/runs/boot-$(date +%Y%m%d-%H%M%S)"; fi
exec python3 "$HERE/vmctl.py" boot "$DIR" "$@"
