#!/usr/bin/env bash
# Builds oopsim's QEMU plugin into $OOPSIM_CACHE/oopsim_plugin.so for the installed
# qemu-system-x86 (plugin API v4: QEMU >= 9.2). Debian ships qemu-plugin.h only in QEMU's source
# package: the upstream tarball is downloaded once (`apt-get source --download-only`; the .dsc may
# not be served, the tarball is enough) and only the header is kept. Idempotent: nothing is done
# when the plugin is newer than its source and was built against the installed QEMU.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib.sh"
log() { echo "[plugin] $*" >&2; }

qver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
[ -n "$qver" ] || { log "qemu-system-x86 is not installed"; exit 1; }
upstream=${qver#*:}       # no epoch
upstream=${upstream%-*}   # no Debian revision: 10.0.2+ds
if dpkg --compare-versions "$upstream" lt 9.2; then
	log "QEMU $qver is older than 9.2: no plugin (register and memory reads need API v4)"
	exit 1
fi
# The plugin reads guest memory with the kernel's own layout, from its BTF (kernel_layout.py).
if ! command -v bpftool >/dev/null && [ "${OOPSIM_NO_APT:-0}" != 1 ]; then
	log "apt-get install bpftool (the kernel's BTF: the plugin's structure offsets)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bpftool >/dev/null
fi
python3 "$HERE/../kernel_layout.py" >/dev/null
so="$CACHE/oopsim_plugin.so"
stamp="$CACHE/oopsim_plugin.qemu"
fresh=1
for f in "$HERE"/*.c "$HERE"/*.h; do
	[ -f "$so" ] && [ "$so" -nt "$f" ] || fresh=0
done
if [ $fresh = 1 ] && [ "$(cat "$stamp" 2>/dev/null)" = "$qver" ]; then
	exit 0
fi
inc="$CACHE/qemu-plugin/$upstream"
if [ ! -f "$inc/qemu-plugin.h" ]; then
	mkdir -p "$CACHE/dl" "$inc"
	tarball="$CACHE/dl/qemu_${upstream}.orig.tar.xz"
	if [ ! -s "$tarball" ]; then
		log "downloading QEMU $qver's source for qemu-plugin.h"
		(cd "$CACHE/dl" && apt-get source --download-only "qemu=$qver" >/dev/null 2>&1 || true)
	fi
	[ -s "$tarball" ] || { log "no $tarball (is deb-src enabled for the suite QEMU came from?)"; exit 1; }
	tmp=$(mktemp -d)
	tar -xJf "$tarball" -C "$tmp" --wildcards '*/include/qemu/qemu-plugin.h'
	mv "$tmp"/*/include/qemu/qemu-plugin.h "$inc/qemu-plugin.h"
	rm -rf "$tmp"
	rm -f "$tarball" "$CACHE"/dl/qemu_*.debian.tar.* "$CACHE"/dl/qemu_*.dsc  # 39 MB: the header is kept
fi
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -shared -fPIC -I"$inc" \
	$(pkg-config --cflags glib-2.0) -o "$so.tmp" "$HERE"/*.c
mv "$so.tmp" "$so"
echo "$qver" >"$stamp"
log "built $so for QEMU $qver"
