#!/usr/bin/env bash
# Boot a fresh guest (no saved state), wait for steady state, run --seconds, quit.
# usage: boot.sh [DIR] [vmctl.py boot options]   (DIR default: $OOPSIM_CACHE/runs/boot-TIMESTAMP)
#   --recover: boot initramfs-recover.cpio.gz with oopsim.recover=1 (runs `setup.sh --recover` first)
# env: OOPSIM_CACHE, OOPSIM_WORKLOADS, OOPSIM_APPEND (extra kernel cmdline), OOPSIM_SMP, OOPSIM_MEM
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
recover=0
for a in "$@"; do [ "$a" = --recover ] && recover=1; done
if [ $recover = 1 ]; then
	"$HERE/setup.sh" --recover >&2
else
	[ -f "$CACHE/initramfs.cpio.gz" ] || "$HERE/setup.sh"
fi
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then DIR=$1; shift; else DIR="$CACHE/runs/boot-$(date +%Y%m%d-%H%M%S)"; fi
exec python3 "$HERE/vmctl.py" boot "$DIR" "$@"
