#!/usr/bin/env bash
# oopsim live recovery: build the guest pieces into the cache (idempotent).
# Called by `setup.sh --recover` (and so by `save.sh DIR --recover`), after setup.sh
# has made the kernel, the workloads and initramfs.cpio.gz.
#   - apt-get installs linux-headers-<uname -r of the cached kernel> if missing
#   - builds oopsim_recover.ko out of tree against them -> $CACHE/build/recover/
#   - builds oopsim-recoverd (gcc -static)              -> $CACHE/build/recover/
#   - $CACHE/initramfs-recover.cpio.gz = initramfs.cpio.gz followed by a second
#     cpio archive (the kernel unpacks both, the later files win) holding the
#     current guest/init, the module, the daemon, recover/start.sh and
#     recover/restart.sh.  initramfs.cpio.gz itself is not touched.
# Env: OOPSIM_CACHE, OOPSIM_NO_APT=1 (do not apt-get; fail if the headers are missing)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VM="$(cd "$HERE/.." && pwd)"
source "$VM/lib.sh"
log() { echo "[recover-build] $*" >&2; }

[ -s "$CACHE/kernel-version" ] && [ -f "$CACHE/initramfs.cpio.gz" ] || { log "run setup.sh first"; exit 1; }
read -r KPKG KPKGVER KVER <"$CACHE/kernel-version"
OUT="$CACHE/build/recover"
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock 9   # one build at a time (parallel setup.sh runs)

# ---------------------------------------------------------------- headers
HDRPKG="linux-headers-$KVER"
KDIR="/usr/src/linux-headers-$KVER"
if ! dpkg-query -W -f='${Status}' "$HDRPKG" 2>/dev/null | grep -q 'install ok installed' || [ ! -d "$KDIR" ]; then
	if [ "${OOPSIM_NO_APT:-0}" = 1 ]; then log "$HDRPKG missing and OOPSIM_NO_APT=1"; exit 1; fi
	log "apt-get install $HDRPKG"
	t0=$(date +%s.%N)
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$HDRPKG" make gcc >/dev/null
	log "headers installed in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
fi
# the headers must be the running guest kernel's exact version (vermagic + modversions)
hv=$(dpkg-query -W -f='${Version}' "$HDRPKG")
[ "$hv" = "$KPKGVER" ] || log "warning: $HDRPKG is $hv, the guest kernel package is $KPKGVER"

# ---------------------------------------------------------------- generated headers
# the lock probes and policy ids, from the project's single lists
GEN="$OUT/gen"
"$HERE/gen_headers.sh" "$GEN"

# ---------------------------------------------------------------- module
KO="$OUT/oopsim_recover.ko"
if [ ! -f "$KO" ] || [ "$HERE/recover_main.c" -nt "$KO" ] || [ "$HERE/lock_track.c" -nt "$KO" ] ||
	[ "$HERE/lock_track.h" -nt "$KO" ] || [ "$HERE/Kbuild" -nt "$KO" ] ||
	[ "$VM/../../models/lock_primitives.txt" -nt "$KO" ] || [ "$HERE/policy_ids.txt" -nt "$KO" ]; then
	log "building oopsim_recover.ko against $KDIR"
	t0=$(date +%s.%N)
	rm -rf "$OUT/src"
	mkdir -p "$OUT/src"
	cp "$HERE/recover_main.c" "$HERE/lock_track.c" "$HERE/lock_track.h" "$HERE/Kbuild" \
		"$GEN/oopsim_lock_probes.h" "$GEN/oopsim_policy_ids.h" "$OUT/src/"
	make -s -C "$KDIR" M="$OUT/src" modules >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
	grep -i 'warning\|error' "$OUT/build.log" | grep -v 'Skipping BTF' >&2 || true
	cp "$OUT/src/oopsim_recover.ko" "$KO.tmp"
	mv "$KO.tmp" "$KO"
	log "module built in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s: $(modinfo -F vermagic "$KO")"
fi

# ---------------------------------------------------------------- daemon
DMN="$OUT/oopsim-recoverd"
if [ ! -x "$DMN" ] || [ "$HERE/recoverd.c" -nt "$DMN" ] || [ "$HERE/policy_ids.txt" -nt "$DMN" ]; then
	log "cc -static recoverd.c"
	gcc -static -O2 -Wall -Wno-format-truncation -I"$GEN" -o "$DMN.tmp" "$HERE/recoverd.c"
	mv "$DMN.tmp" "$DMN"
fi

# ---------------------------------------------------------------- initramfs-recover
IRD="$CACHE/initramfs-recover.cpio.gz"
inputs=("$CACHE/initramfs.cpio.gz" "$KO" "$DMN" "$VM/guest/init" "$HERE/start.sh" "$HERE/restart.sh" "$HERE/build.sh")
rebuild=0
[ -f "$IRD" ] || rebuild=1
for f in "${inputs[@]}"; do [ "$f" -nt "$IRD" ] && rebuild=1; done
if [ $rebuild = 1 ]; then
	log "building initramfs-recover.cpio.gz"
	R="$OUT/root"
	rm -rf "$R"
	mkdir -p "$R/bin" "$R/etc/oopsim/recover"
	cp "$VM/guest/init" "$R/init"
	cp "$KO" "$R/etc/oopsim/recover/oopsim_recover.ko"
	cp "$HERE/start.sh" "$HERE/restart.sh" "$R/etc/oopsim/recover/"
	cp "$DMN" "$R/bin/oopsim-recoverd"
	chmod 755 "$R/init" "$R/etc/oopsim/recover/start.sh" "$R/etc/oopsim/recover/restart.sh" "$R/bin/oopsim-recoverd"
	echo "$KPKG $KPKGVER $KVER" >"$R/etc/oopsim/recover/kernel-version"
	{
		cat "$CACHE/initramfs.cpio.gz"
		(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1
	} >"$IRD.tmp.$$"
	mv "$IRD.tmp.$$" "$IRD"
	log "initramfs-recover: $(du -h "$IRD" | cut -f1) (initramfs.cpio.gz + $(find "$R" -type f | wc -l) files)"
fi
log "ready: $KO, $DMN, $IRD"
