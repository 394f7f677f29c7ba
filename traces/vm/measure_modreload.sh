#!/usr/bin/env bash
# Time module "subsystem restarts" (stop users, umount, rmmod, modprobe, mount,
# restart users) in a freshly booted guest: kernel cmdline oopsim.measure=modreload,
# guest script guest/modreload.sh, host side `vmctl.py measure`.
# usage: measure_modreload.sh [DIR] [vmctl.py measure options]
#   e.g. measure_modreload.sh "$CACHE/runs/modreload" --n 9 --mods vfat,usb-storage --trace 1
# DIR (default $OOPSIM_CACHE/runs/modreload-TIMESTAMP) gets console.log, modreload.json.
# env: OOPSIM_CACHE, OOPSIM_WORKLOADS, OOPSIM_APPEND, OOPSIM_SMP, OOPSIM_MEM
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
"$HERE/setup.sh" >&2   # idempotent: rebuilds the initramfs if guest/ changed
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then DIR=$1; shift; else DIR="$CACHE/runs/modreload-$(date +%Y%m%d-%H%M%S)"; fi
exec python3 "$HERE/vmctl.py" measure "$DIR" "$@"
