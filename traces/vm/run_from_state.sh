#!/usr/bin/env bash
# Restore a saved state (save.sh) into a new QEMU with fresh qcow2 overlays,
# optionally inject a fault through the gdb stub, cont, run, quit.
# usage: run_from_state.sh [STATE] [RUNDIR] [vmctl.py run options]
#   e.g. run_from_state.sh "$CACHE/state" "$CACHE/runs/oops1" --seconds 15 --inject __x64_sys_newuname:rdi=0
#   --patch ADDR:BEFORE:AFTER[;...]   mutate kernel text (checked against BEFORE)
#   --policy kill-faulty|panic|lock-release|subsystem-restart   armed through the gdb stub before
#            the guest continues; lock-release and subsystem-restart need a state saved with
#            `save.sh DIR --recover` (refused otherwise)
# RUNDIR gets: console.log trace.txt kallsyms timing.json meta.log qemu.cmdline (+ trace.sym.txt)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
STATE="$CACHE/state"; RUNDIR="$CACHE/runs/run-$(date +%Y%m%d-%H%M%S)"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then STATE=$1; shift; fi
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then RUNDIR=$1; shift; fi
python3 "$HERE/vmctl.py" run "$STATE" "$RUNDIR" "$@"
# (not for a run that ended early for want of an activation or a crash, nor with
# OOPSIM_SYMBOLIZE=0, as campaigns run: trace.sym.txt is for people, and
# `vmctl.py symbolize RUNDIR` makes it later)
if [ "${OOPSIM_SYMBOLIZE:-1}" != 0 ] && ! grep -q '"stopped"' "$RUNDIR/timing.json" 2>/dev/null; then
	python3 "$HERE/vmctl.py" symbolize "$RUNDIR"
fi
