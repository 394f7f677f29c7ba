#!/usr/bin/env bash
# oopsim VM setup: idempotent.  Installs host tools (apt), fetches Debian's
# the kernel package pinned in kernel.pin with `apt-get download`, unpacks it
# with dpkg -x into the cache, builds a busybox initramfs with the needed
# modules and the static guest workloads, and creates the raw disk images.
#
# Everything goes under $OOPSIM_CACHE (default <repo>/.cache/vm).  Nothing is
# installed into the host /boot or /lib/modules.
#
# usage: setup.sh [--recover]
#   --recover (or OOPSIM_RECOVER=1): also build the live-recovery pieces
#   (recover/build.sh: apt-get installs linux-headers-<kernel>, builds
#   oopsim_recover.ko and oopsim-recoverd, makes initramfs-recover.cpio.gz)
#
# Env: OOPSIM_CACHE   cache dir
#      OOPSIM_KERNEL  another package name or NAME=VERSION (default: kernel.pin)
#      OOPSIM_NO_APT=1 skip apt-get install (tools already present)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"
RECOVER=${OOPSIM_RECOVER:-0}
for a in "$@"; do
	case "$a" in
	--recover) RECOVER=1 ;;
	*) echo "usage: setup.sh [--recover]" >&2; exit 64 ;;
	esac
done

log() { echo "[setup] $*" >&2; }

# One setup at a time per cache: a campaign's experiments each run setup, and two rebuilding the
# initramfs at once broke each other's files.
mkdir -p "$CACHE"
exec 9>"$CACHE/.setup.lock"
flock 9

# Nothing to do when nothing setup reads has changed since it last finished (simcapture runs it
# before every experiment, and the checks below cost a second): the digest of its inputs (this
# folder's files, the lock primitives list, the kernel asked for, --recover, the installed QEMU)
# is kept in setup.done.
STAMP="$CACHE/setup.done"
inputs_digest() {
	{
		printf '%s\n' "${OOPSIM_KERNEL:-}" "${OOPSIM_KERNEL_PIN:-}" "$RECOVER" "$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null)"
		(cd "$HERE" && find . -type f ! -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
		sha256sum "$HERE/../../models/lock_primitives.txt"
	} | sha256sum | cut -d' ' -f1
}
DIGEST=$(inputs_digest)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$DIGEST" ] && [ -f "$CACHE/vmlinuz" ] &&
	[ -f "$CACHE/initramfs.cpio.gz" ] && [ -f "$CACHE/images/usb.img" ]; then
	exit 0
fi
rm -f "$STAMP"

# ---------------------------------------------------------------- host tools
# QEMU 10 from bookworm-backports (its plugin API reads registers and guest memory: the QEMU
# plugin below); the suite is added, with its sources (for the plugin header), when missing.
QEMU_SUITE=bookworm-backports
QEMU_MIN=1:10.0
BACKPORTS=/etc/apt/sources.list.d/oopsim-backports.sources
# (the plugin's header comes from the suite's sources: a suite listed without deb-src is not enough)
if [ "${OOPSIM_NO_APT:-0}" != 1 ] && [ ! -f "$BACKPORTS" ] &&
	! apt-cache madison qemu 2>/dev/null | grep -q "$QEMU_SUITE.*Sources"; then
	log "adding $QEMU_SUITE (deb and deb-src) to apt: $BACKPORTS"
	printf 'Types: deb deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$QEMU_SUITE" >"$BACKPORTS"
	apt-get update -qq
fi
qemu_now=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || echo 0)
if [ "${OOPSIM_NO_APT:-0}" != 1 ] && dpkg --compare-versions "$qemu_now" lt "$QEMU_MIN"; then
	log "apt-get install -t $QEMU_SUITE qemu-system-x86 qemu-utils (installed: $qemu_now)"
	apt-cache policy qemu-system-x86 | grep -q "$QEMU_SUITE" || apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t "$QEMU_SUITE" qemu-system-x86 qemu-utils >/dev/null
fi
PKGS=(qemu-system-x86 qemu-utils busybox-static zstd dosfstools e2fsprogs cpio
      gcc libc6-dev kmod gdb python3 linux-libc-dev libglib2.0-dev pkg-config xz-utils dpkg-dev)
need_install=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_install+=("$p")
done
if [ "${OOPSIM_NO_APT:-0}" != 1 ] && [ ${#need_install[@]} -gt 0 ]; then
	log "apt-get install ${need_install[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" >/dev/null
fi

mkdir -p "$CACHE"/{dl,images,build}

# ---------------------------------------------------------------- kernel
if [ ! -s "$CACHE/kernel-version" ] || [ ! -f "$CACHE/vmlinuz" ]; then
	# apt-cache needs fresh lists
	apt-cache show linux-image-6.1.0-1-amd64-unsigned >/dev/null 2>&1 || \
		ls /var/lib/apt/lists/*Packages* >/dev/null 2>&1 || apt-get update -qq
	if [ -z "${OOPSIM_KERNEL:-}" ]; then
		# the pinned build (kernel.pin): the corpus, the reap-path table and the tests' sites
		# were made on it; a newer ABI in the archive is not taken silently
		# (OOPSIM_KERNEL_PIN: another pin file, e.g. traces/vm/kernel-6.12.pin for the second
		# kernel; with a cache of its own, OOPSIM_CACHE, since a cache holds one kernel)
		pinfile=${OOPSIM_KERNEL_PIN:-$HERE/kernel.pin}
		[ -f "$pinfile" ] || { log "no pin file $pinfile"; exit 1; }
		read -r OOPSIM_KERNEL pinver < <(grep -v '^#' "$pinfile" | head -1)
		pinned() { apt-cache madison "$OOPSIM_KERNEL" 2>/dev/null | awk '{print $3}' | grep -qx "$pinver"; }
		pinned || apt-get update -qq || true
		if ! pinned; then
			log "the pinned kernel $OOPSIM_KERNEL $pinver ($pinfile) is not in the apt archive"
			log "(it comes from bookworm-security; check /etc/apt/sources.list and run apt-get update),"
			log "or set OOPSIM_KERNEL=PACKAGE to use another build (its traces will not match the corpus)"
			exit 1
		fi
		OOPSIM_KERNEL="$OOPSIM_KERNEL=$pinver"
	fi
	[ -n "$OOPSIM_KERNEL" ] || { log "no kernel package named"; exit 1; }
	rm -f "$CACHE"/dl/linux-image-*.deb
	(cd "$CACHE/dl" && apt-get download "$OOPSIM_KERNEL" 2>&1 | grep -v unsandboxed || true)
	deb=$(ls "$CACHE"/dl/linux-image-*.deb | head -1)
	rm -rf "$CACHE/kpkg"
	dpkg -x "$deb" "$CACHE/kpkg"
	kver=$(ls "$CACHE/kpkg/lib/modules" | head -1)
	pkgver=$(dpkg-deb -f "$deb" Version)
	# Compressed modules (6.12's .ko.xz) are unpacked here, once, not by the guest at every
	# load (which under TCG would also stretch the restart timings).
	find "$CACHE/kpkg/lib/modules" -name '*.ko.xz' -exec xz -d {} +
	find "$CACHE/kpkg/lib/modules" -name '*.ko.zst' -exec zstd -q -d --rm {} +
	depmod -b "$CACHE/kpkg" "$kver"
	cp "$CACHE/kpkg/boot/vmlinuz-$kver" "$CACHE/vmlinuz"
	cp "$CACHE/kpkg/boot/config-$kver" "$CACHE/kernel-config"
	printf '%s %s %s\n' "${OOPSIM_KERNEL%%=*}" "$pkgver" "$kver" >"$CACHE/kernel-version.tmp"
	mv "$CACHE/kernel-version.tmp" "$CACHE/kernel-version"
fi
read -r KPKG KPKGVER KVER <"$CACHE/kernel-version"
log "kernel: $KPKG $KPKGVER ($KVER)"

# ---------------------------------------------------------------- workloads
GBIN="$CACHE/build/bin"
mkdir -p "$GBIN"
build_guest() {
	local src=$1 out=$2
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$HERE/guest/oopsim_progress.h" -nt "$out" ]; then
		log "cc -static $src"
		gcc -static -O2 -Wall -Wno-format-truncation -o "$out" "$src"
	fi
}
for c in "$HERE"/guest/*.c; do
	n=$(basename "$c" .c)
	build_guest "$c" "$GBIN/oopsim-$n"
done

# ---------------------------------------------------------------- initramfs
MODS=(virtio_pci virtio_blk virtio_console crc32c_generic crct10dif_generic ext4 vfat nls_ascii nls_utf8
      nls_cp437 nls_iso8859_1 xhci_pci usb_storage sd_mod snd_dummy snd_aloop)
IRD="$CACHE/initramfs.cpio.gz"
stamp_inputs=("$HERE/guest/init" "$HERE/guest/trace-setup.sh" "$HERE/../../models/lock_primitives.txt" "$HERE/guest/modreload.sh" "$HERE/guest/reappath.sh" "$HERE/setup.sh" "$CACHE/kernel-version" "$GBIN"/*)
rebuild=0
[ -f "$IRD" ] || rebuild=1
for f in "${stamp_inputs[@]}"; do [ "$f" -nt "$IRD" ] && rebuild=1; done
if [ $rebuild = 1 ]; then
	log "building initramfs"
	R="$CACHE/build/root"
	rm -rf "$R"
	mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,mnt/ext4,mnt/vfat,mnt/usb,etc/oopsim,lib/modules/$KVER}
	cp /bin/busybox "$R/bin/busybox"
	cp "$HERE/guest/init" "$R/init"
	cp "$HERE/guest/trace-setup.sh" "$R/etc/oopsim/trace-setup.sh"
	cp "$HERE/../../models/lock_primitives.txt" "$R/etc/oopsim/lock_primitives.txt"
	cp "$HERE/guest/modreload.sh" "$R/etc/oopsim/modreload.sh"
	cp "$HERE/guest/reappath.sh" "$R/etc/oopsim/reappath.sh"
	chmod 755 "$R/init" "$R/etc/oopsim/trace-setup.sh" "$R/etc/oopsim/modreload.sh" "$R/etc/oopsim/reappath.sh"
	cp "$GBIN"/oopsim-* "$R/bin/"
	# modules + dependencies (from modules.dep via modprobe --show-depends)
	: >"$R/etc/oopsim/modules.order"
	for m in "${MODS[@]}"; do
		modprobe -d "$CACHE/kpkg" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}' |
		while read -r ko; do
			rel=${ko#"$CACHE/kpkg/lib/modules/$KVER/"}
			mkdir -p "$R/lib/modules/$KVER/$(dirname "$rel")"
			cp -n "$ko" "$R/lib/modules/$KVER/$rel"
		done
		echo "$m" >>"$R/etc/oopsim/modules.order"
	done
	cp "$CACHE/kpkg/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
	depmod -b "$R" "$KVER"
	echo "$KPKG $KPKGVER $KVER" >"$R/etc/oopsim/kernel-version"
	(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$IRD.tmp"
	mv "$IRD.tmp" "$IRD"
	log "initramfs: $(du -h "$IRD" | cut -f1), modules: $(find "$R/lib/modules" -name '*.ko' | wc -l)"
fi

# ---------------------------------------------------------------- disks
# raw base images; never modified after creation (runs use qcow2 overlays)
IMG="$CACHE/images"
if [ ! -f "$IMG/ext4.img" ]; then
	truncate -s 128M "$IMG/ext4.img.tmp"
	mkfs.ext4 -q -F -L oopsim-ext4 "$IMG/ext4.img.tmp"
	mv "$IMG/ext4.img.tmp" "$IMG/ext4.img"
fi
if [ ! -f "$IMG/vfat.img" ]; then
	truncate -s 128M "$IMG/vfat.img.tmp"
	mkfs.vfat -n OOPSIMVFAT "$IMG/vfat.img.tmp" >/dev/null
	mv "$IMG/vfat.img.tmp" "$IMG/vfat.img"
fi
if [ ! -f "$IMG/usb.img" ]; then
	truncate -s 128M "$IMG/usb.img.tmp"
	mkfs.vfat -n OOPSIMUSB "$IMG/usb.img.tmp" >/dev/null
	mv "$IMG/usb.img.tmp" "$IMG/usb.img"
fi
# ---------------------------------------------------------------- QEMU plugin
if ! "$HERE/plugin/build.sh"; then
	log "no QEMU plugin: runs sample the fault's site with a breakpoint and record no CPU state"
fi
log "ready: $CACHE (vmlinuz, initramfs.cpio.gz, images/{ext4,vfat,usb}.img, oopsim_plugin.so)"
if [ "$RECOVER" = 1 ]; then
	"$HERE/recover/build.sh"
fi
echo "$DIGEST" >"$STAMP"
