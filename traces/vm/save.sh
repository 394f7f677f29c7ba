#!/usr/bin/env bash
# Boot a guest, wait for steady state, QMP stop + migrate to DIR/vmstate.zst (zstd -1), freeze disk overlays.
# usage: save.sh [DIR] [vmctl.py save options]   (DIR default: $OOPSIM_CACHE/state)
#   --recover: boot initramfs-recover.cpio.gz with oopsim.recover=1 (oopsim_recover.ko loaded,
#              disarmed; oopsim-recoverd running); runs `setup.sh --recover` first;
#              DIR default: $OOPSIM_CACHE/state-recover.  Restores of such a state take --policy.
# The kernel and initramfs booted are copied into DIR (vmlinuz, initrd.cpio.gz): restores use them.
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
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then DIR=$1; shift
elif [ $recover = 1 ]; then DIR="$CACHE/state-recover"
else DIR="$CACHE/state"; fi
exec python3 "$HERE/vmctl.py" save "$DIR" "$@"
