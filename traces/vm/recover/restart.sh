#!/bin/sh
# oopsim guest: restart one subsystem after an oops (policy subsystem-restart).
# Run by oopsim-recoverd (recover/recoverd.c) as: restart.sh SET [OOPS_PID]
#   SET  vfat | ext4 | usb-storage | snd-dummy | snd-aloop
# Same steps as guest/modreload.sh (which measures them), but for recovery:
#   stop     SIGKILL the users: the registered workloads (/run/oopsim-recover/workloads,
#            "pid|command line", written by start.sh) whose command line names a
#            mount point or the sound card of the set, plus any other process with
#            its cwd or an open file under those mount points; wait until they are
#            gone or zombies (at most 3 s each: a task stuck in D state stays)
#   umount   unmount the set's file systems (10 tries 50 ms apart, then umount -l)
#   rmmod    the set's modules (10 tries 50 ms apart: an exiting task may still hold a reference)
#   modprobe, wait for the device node, mount again
#   start    restart the registered workloads with the same command line (setsid,
#            output to the console, like /init), so that they report PROGRESS again;
#            the registry gets their new pids; /run/oopsim-recover/restarted gets
#            "OLD SET NEW" per restarted workload (the daemon skips later oopses of OLD)
# Console: "oopsim-recover: restarted SET in N ms (phases) users=... new=..." or
#          "oopsim-recover: restart of SET incomplete in N ms (failed: ...) ...".
# CLOCK_MONOTONIC in ns from /proc/timer_list, read by the shell builtin (no fork; see modreload.sh)
now() { { read -r _l1; read -r _l2; read -r _n _a NOW _r; } < /proc/timer_list; }
now; t0=$NOW   # the total counts from here: finding the users is part of the restart
SET=$1
OOPS_PID=${2:-}
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
REG=/run/oopsim-recover/workloads
kmsg() { echo "<5>oopsim-recover: $*" > /dev/kmsg; }
fmt_ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
mkfifo /tmp/recover.fifo 2>/dev/null
exec 8<> /tmp/recover.fifo
msleep() { read -t "$1" -u 8 _x; }   # $1 seconds (fractions ok), no fork

RM=""; LOAD=""; DEV=""; FSTYPE=""; CARDPAT=""
case $SET in
vfat) RM="vfat fat"; LOAD="vfat"; FSTYPE=vfat ;;
ext4) RM="ext4"; LOAD="ext4"; FSTYPE=ext4 ;;
usb-storage) RM="usb_storage"; LOAD="usb_storage delay_use=0"; DEV=/dev/sda; FSTYPE=usbdisk ;;
snd-dummy) RM="snd_dummy"; LOAD="snd_dummy"; CARDPAT=Dummy ;;
snd-aloop) RM="snd_aloop"; LOAD="snd_aloop"; CARDPAT=Loopback ;;
*) kmsg "restart: unknown subsystem $SET"; exit 2 ;;
esac

case $FSTYPE in
vfat|ext4) MOUNTS=$(awk -v t="$FSTYPE" '$3 == t {print $1, $2, $3}' /proc/mounts) ;;
usbdisk) MOUNTS=$(awk '$1 ~ /^\/dev\/sd/ {print $1, $2, $3}' /proc/mounts) ;;
*) MOUNTS="" ;;
esac
MPS=$(echo "$MOUNTS" | awk 'NF {print $2}')
PATS=$MPS
if [ -n "$CARDPAT" ]; then
	card=$(awk -v p="$CARDPAT" '$2 == "[" p {print $1; exit}' /proc/asound/cards 2>/dev/null)
	[ -n "$card" ] && { PATS="$PATS /dev/snd/pcmC${card}D"; DEV=/dev/snd/pcmC${card}D0p; }
fi

is_gone() {  # pid: not there any more, or a zombie
	[ -r /proc/$1/stat ] || return 0
	read -r _pid _comm st _rest < /proc/$1/stat 2>/dev/null || return 0
	[ "$st" = Z ]
}

# --- users: registered workloads of the set (restarted), other processes using the mounts (not)
USERS=""
[ -f $REG ] && [ -n "$PATS" ] && USERS=$(while IFS='|' read -r p cmd; do
	for pat in $PATS; do case "$cmd" in *"$pat"*) echo "$p|$cmd"; break ;; esac; done
done < $REG)
UPIDS=$(echo "$USERS" | awk -F'|' 'NF {print $1}')
OTHERS=""
if [ -n "$MPS" ]; then
	OTHERS=$(ls -l /proc/[0-9]*/cwd /proc/[0-9]*/fd 2>/dev/null | awk -v mps="$MPS" -v self=$$ '
		BEGIN { n = split(mps, m, "\n") }
		/^\/proc\/[0-9]+\/fd:$/ { split($0, a, "/"); pid = a[3]; next }
		/ -> / { p = pid; if ($0 ~ /^l.* \/proc\/[0-9]+\/cwd -> /) { split($0, b, "/proc/"); split(b[2], c, "/"); p = c[1] }
			t = $NF; for (i = 1; i <= n; i++) if (m[i] != "" && (t == m[i] || index(t, m[i] "/") == 1)) { if (p != self) print p; break } }' | sort -u)
	for u in $UPIDS; do OTHERS=$(echo "$OTHERS" | grep -vx "$u"); done
	OTHERS=$(echo $OTHERS)
fi
FAILED=""
# --- stop
ALL=$(echo $UPIDS $OTHERS)
STUCK=""
[ -n "$ALL" ] && kill -9 $ALL 2>/dev/null
for p in $ALL; do
	k=0
	while ! is_gone $p; do
		k=$((k + 1)); [ $k -ge 300 ] && { STUCK="$STUCK $p"; break; }
		msleep 0.01
	done
done
[ -n "$STUCK" ] && FAILED="$FAILED stop(stuck:$(echo $STUCK | tr ' ' ,))"
now; t1=$NOW
# --- umount
for mp in $MPS; do
	k=0
	until umount "$mp" 2>/dev/null; do
		k=$((k + 1))
		if [ $k -ge 10 ]; then
			umount -l "$mp" 2>/dev/null && FAILED="$FAILED umount-lazy($mp)" || FAILED="$FAILED umount($mp)"
			break
		fi
		msleep 0.05
	done
done
now; t2=$NOW
# --- rmmod
k=0
until rmmod $RM 2>/dev/null; do
	k=$((k + 1)); [ $k -ge 10 ] && { FAILED="$FAILED rmmod($(echo $RM | tr ' ' ,))"; break; }
	msleep 0.05
done
now; t3=$NOW
# --- modprobe (also when rmmod failed: loads what is missing)
modprobe $LOAD 2>/dev/null || FAILED="$FAILED modprobe($LOAD)"
now; t4=$NOW
if [ -n "$DEV" ]; then
	k=0
	while [ ! -e "$DEV" ]; do
		k=$((k + 1)); [ $k -ge 5000 ] && { FAILED="$FAILED dev($DEV)"; break; }
		msleep 0.001
	done
fi
# --- mount
while read -r dev mp fst; do
	[ -n "$mp" ] || continue
	k=0
	until mount -t "$fst" "$dev" "$mp" 2>/dev/null; do
		k=$((k + 1)); [ $k -ge 200 ] && { FAILED="$FAILED mount($mp)"; break; }
		msleep 0.005
	done
done <<EOF_MOUNTS
$MOUNTS
EOF_MOUNTS
now; t5=$NOW
# --- restart the workloads, update the registry
NEW=""
OLDIFS=$IFS
IFS='
'
for u in $USERS; do
	IFS=$OLDIFS
	old=${u%%|*}
	cmd=${u#*|}
	setsid $cmd </dev/null >/dev/console 2>&1 &
	NEW="$NEW $!"
	sed -i "s#^$old|#$!|#" $REG
	echo "$old $SET $!" >> /run/oopsim-recover/restarted
done
IFS=$OLDIFS
now; t6=$NOW
ms=$(((t6 - t0) / 1000))
ph="stop=$(fmt_ms $(((t1 - t0) / 1000))) umount=$(fmt_ms $(((t2 - t1) / 1000))) rmmod=$(fmt_ms $(((t3 - t2) / 1000))) modprobe=$(fmt_ms $(((t4 - t3) / 1000))) mount=$(fmt_ms $(((t5 - t4) / 1000))) start=$(fmt_ms $(((t6 - t5) / 1000)))"
who="oops_pid=$OOPS_PID users=$(echo $UPIDS | tr ' ' ,) others=$(echo $OTHERS | tr ' ' ,) new=$(echo $NEW | tr ' ' ,) mounts=$(echo $MPS | tr ' ' ,)"
if [ -z "$FAILED" ]; then
	kmsg "restarted $SET in $(fmt_ms $ms) ms ($ph) $who"
else
	kmsg "restart of $SET incomplete in $(fmt_ms $ms) ms (failed:$FAILED) ($ph) $who"
	exit 1
fi
