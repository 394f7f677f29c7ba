#!/bin/sh
# oopsim guest: time a "subsystem restart" of kernel modules the workloads use.
# Run by /init after OOPSIM READY when the kernel cmdline has
# oopsim.measure=modreload (opt-in; default boots never run it).
#
# usage: modreload.sh [N] [SETS] [GAP_MS]
#   N       iterations per module set (default 7)
#   SETS    comma list of: vfat, snd-dummy, snd-aloop, usb-storage
#           (default vfat,snd-dummy,snd-aloop,usb-storage)
#   GAP_MS  pause after each restart, the restarted users run meanwhile (default 1000)
#
# One restart of a set, timed with CLOCK_MONOTONIC (ns, read from /proc/timer_list
# by the shell itself, no fork; see now() below):
#   stop    SIGTERM the users (workload processes whose command line names a
#           mount point of the set or the set's /dev/snd card), wait until
#           they are gone or zombies
#   umount  unmount the set's file systems
#   rmmod   rmmod the set's modules (vfat: vfat fat)
#   modprobe  modprobe the module (fat comes back as vfat's dependency)
#   dev     wait for the device node (usb: /dev/sda, snd: /dev/snd/pcmC<card>D0p), 1 ms polls
#   mount   mount the file systems again
#   start   restart the users (same command line, setsid, in the background)
# The users are found and their command lines read before the clock starts.
# Sets are interleaved (i=1: vfat, snd-dummy, ...; i=2: ...).
# vfat: every vfat mount is a user, i.e. /mnt/vfat (virtio) and /mnt/usb
# (vfat on the usb disk) when both are mounted.
#
# Console (/dev/kmsg) lines, printed outside the timed region:
#   MODRELOAD-CLOCK overhead_ms n=.. median=.. min=.. max=..  (cost of one timestamp)
#   MODRELOAD-BEGIN <set> i=<i>                      (just before the clock starts)
#   MODRELOAD-END <set> i=<i>                        (just after it stops; host wall time = BEGIN..END)
#   MODRELOAD <set> <ms>                             (total, guest ms)
#   MODRELOAD-PHASES <set> i=<i> stop=<ms> umount=.. rmmod=.. modprobe=.. dev=.. mount=.. start=.. users=<pids> new=<pids> mounts=<mps>
#   MODRELOAD-FAIL <set> i=<i> <what>
#   MODRELOAD-SUMMARY <set> n=<n> median=<ms> min=<ms> max=<ms>
#   MODRELOAD-DONE fails=<n>
N=${1:-7}
SETS=${2:-vfat,snd-dummy,snd-aloop,usb-storage}
GAP_MS=${3:-1000}
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
kmsg() { echo "<5>$*" > /dev/kmsg; }
fmt_ms() {  # us -> ms
	if [ "$1" -lt 0 ]; then printf -- '-'; set -- $((-$1)); fi
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}
stats() {  # "us us ..." -> "n=.. median=.. min=.. max=.." (ms)
	echo $1 | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {
		m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2;
		printf "n=%d median=%.3f min=%.3f max=%.3f", NR, m/1000, a[1]/1000, a[NR]/1000 }'
}
FAILS=0
fail() { FAILS=$((FAILS + 1)); kmsg "MODRELOAD-FAIL $*"; }

# set -> modules to remove, module + args to load, device node to wait for, snd card
set_params() {
	RM=""; LOAD=""; DEV=""; FSTYPE=""; CARDPAT=""
	case $1 in
	vfat) RM="vfat fat"; LOAD="vfat"; FSTYPE=vfat ;;
	usb-storage) RM="usb_storage"; LOAD="usb_storage delay_use=0"; DEV=/dev/sda; FSTYPE=usbdisk ;;
	snd-dummy) RM="snd_dummy"; LOAD="snd_dummy"; CARDPAT=Dummy ;;
	snd-aloop) RM="snd_aloop"; LOAD="snd_aloop"; CARDPAT=Loopback ;;
	*) return 1 ;;
	esac
}

# mounts of the set: lines "dev mountpoint fstype"
find_mounts() {
	case $FSTYPE in
	vfat) awk '$3 == "vfat" {print $1, $2, $3}' /proc/mounts ;;
	usbdisk) awk '$1 ~ /^\/dev\/sd/ {print $1, $2, $3}' /proc/mounts ;;
	esac
}

# card number of a snd driver (from /proc/asound/cards: " 0 [Dummy          ]: Dummy - Dummy")
snd_card() {
	awk -v p="$1" '$2 == "[" p {print $1; exit}' /proc/asound/cards 2>/dev/null
}

# users: oopsim-* workload processes whose command line contains one of the patterns
find_users() {  # patterns... -> "pid|cmd with spaces" lines
	for p in $(pidof oopsim-fsbench oopsim-audio oopsim-tcpstream oopsim-restartd); do
		cmd=$(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null)
		for pat in "$@"; do
			case "$cmd" in *"$pat"*) echo "$p|$cmd"; break ;; esac
		done
	done
}

is_gone() {  # pid: not there any more, or a zombie
	[ -r /proc/$1/stat ] || return 0
	read -r _pid _comm st _rest < /proc/$1/stat 2>/dev/null || return 0
	[ "$st" = Z ]
}

# ---------------------------------------------------------------- clock
# now(): NOW = CLOCK_MONOTONIC in ns (ktime_get(), the "now at N nsecs" line of
# /proc/timer_list), read with the shell's builtin `read`: no fork.  (A static
# clock helper run per timestamp costs ~6 ms under TCG; trace_marker stamps of
# a trace_clock=mono instance were off by up to 33 ms in ~1 of 10 restarts.)
# The clock is read at the first read(2) of the file.
now() { { read -r _l1; read -r _l2; read -r _n _a NOW _r; } < /proc/timer_list; }
mkfifo /tmp/modreload.fifo 2>/dev/null
exec 8<> /tmp/modreload.fifo
msleep1() { read -t 0.001 -u 8 _x; }   # ~1 ms, no fork

# overhead of one timestamp (us)
OV=""; now; a=$NOW
for k in 1 2 3 4 5 6 7 8 9 10 11; do now; OV="$OV $(((NOW - a) / 1000))"; a=$NOW; done
kmsg "MODRELOAD-CLOCK overhead_ms $(stats "$OV")"

kmsg "MODRELOAD-START n=$N sets=$SETS gap_ms=$GAP_MS kernel=$(uname -r)"
SETLIST=$(echo "$SETS" | tr ',' ' ')
for s in $SETLIST; do eval "TOT_$(echo $s | tr '-' '_')=''"; done

i=1
while [ $i -le "$N" ]; do
	for s in $SETLIST; do
		set_params "$s" || { fail "$s i=$i unknown-set"; continue; }
		# --- discover users (not timed)
		MOUNTS=$(find_mounts)
		MPS=$(echo "$MOUNTS" | awk 'NF {print $2}')
		card=""; PCM=""
		if [ -n "$CARDPAT" ]; then
			card=$(snd_card "$CARDPAT")
			[ -n "$card" ] && PCM=/dev/snd/pcmC${card}D0p
		fi
		USERS=$(if [ -n "$PCM" ]; then find_users $MPS "/dev/snd/pcmC$card"; else find_users $MPS; fi)
		UPIDS=$(echo "$USERS" | awk -F'|' 'NF {print $1}')
		UPIDS=$(echo $UPIDS)
		[ -n "$PCM" ] && DEV=$PCM
		kmsg "MODRELOAD-BEGIN $s i=$i"

		now; t0=$NOW
		# --- stop users
		[ -n "$UPIDS" ] && kill $UPIDS
		for p in $UPIDS; do
			while ! is_gone $p; do msleep1; done
		done
		now; t1=$NOW
		# --- umount
		for mp in $MPS; do umount "$mp" || fail "$s i=$i umount $mp"; done
		now; t2=$NOW
		# --- rmmod
		rmmod $RM || fail "$s i=$i rmmod $RM"
		now; t3=$NOW
		# --- modprobe
		modprobe $LOAD || fail "$s i=$i modprobe $LOAD"
		now; t4=$NOW
		# --- device node
		if [ -n "$DEV" ]; then
			k=0
			while [ ! -e "$DEV" ]; do
				k=$((k + 1)); [ $k -ge 20000 ] && { fail "$s i=$i no $DEV"; break; }
				msleep1
			done
		fi
		now; t5=$NOW
		# --- mount again (retry: the usb disk may still be settling)
		while read -r dev mp fst; do
			[ -n "$mp" ] || continue
			k=0
			until mount -t "$fst" "$dev" "$mp" 2>/dev/null; do
				k=$((k + 1)); [ $k -ge 200 ] && { fail "$s i=$i mount $dev $mp"; break; }
				msleep1
			done
		done <<EOF_MOUNTS
$MOUNTS
EOF_MOUNTS
		now; t6=$NOW
		# --- restart users
		NEW=""
		OLDIFS=$IFS
		IFS='
'
		for u in $USERS; do
			IFS=$OLDIFS
			cmd=${u#*|}
			setsid $cmd </dev/null >/dev/console 2>&1 &
			NEW="$NEW $!"
		done
		IFS=$OLDIFS
		now; t7=$NOW
		kmsg "MODRELOAD-END $s i=$i"
		for k in 1 2 3 4 5 6 7; do eval "t$k=\$(((t$k - t0) / 1000))"; done   # ns -> us since t0
		t0=0

		# --- report (not timed)
		us=$((t7 - t0))
		v=TOT_$(echo $s | tr '-' '_')
		eval "$v=\"\$$v $us\""
		kmsg "MODRELOAD $s $(fmt_ms $us)"
		kmsg "MODRELOAD-PHASES $s i=$i stop=$(fmt_ms $((t1 - t0))) umount=$(fmt_ms $((t2 - t1))) rmmod=$(fmt_ms $((t3 - t2))) modprobe=$(fmt_ms $((t4 - t3))) dev=$(fmt_ms $((t5 - t4))) mount=$(fmt_ms $((t6 - t5))) start=$(fmt_ms $((t7 - t6))) users=$(echo $UPIDS | tr ' ' ,) new=$(echo $NEW | tr ' ' ,) mounts=$(echo $MPS | tr ' ' ,)"
		usleep $((GAP_MS * 1000))
		for p in $NEW; do is_gone $p && fail "$s i=$i user $p died"; done
	done
	i=$((i + 1))
done

for s in $SETLIST; do
	v=TOT_$(echo $s | tr '-' '_')
	eval "vals=\$$v"
	[ -n "$vals" ] && kmsg "MODRELOAD-SUMMARY $s $(stats "$vals")"
done
kmsg "MODRELOAD-DONE fails=$FAILS"
