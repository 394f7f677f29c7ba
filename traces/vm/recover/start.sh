#!/bin/sh
# oopsim guest: live recovery policies, run by /init when the kernel cmdline has
# oopsim.recover=1 (only the recover initramfs, initramfs-recover.cpio.gz, has this file).
#   start.sh load            insmod oopsim_recover.ko (mode 0 = kill-faulty: disarmed);
#                            run before the kallsyms dump so that the host finds
#                            oopsim_recover_mode [oopsim_recover] in the state's kallsyms
#   start.sh daemon WPIDS    write the workload registry /run/oopsim-recover/workloads
#                            ("pid|command line" of each workload, session leaders of
#                            WPIDS) and start oopsim-recoverd; prints
#                            "OOPSIM RECOVER READY ..." on the console
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
D=/etc/oopsim/recover
kmsg() { echo "<5>$*" > /dev/kmsg; }
P=/sys/module/oopsim_recover/parameters
case "$1" in
load)
	now() { { read -r _l1; read -r _l2; read -r _n _a NOW _r; } < /proc/timer_list; }
	now; t0=$NOW
	insmod $D/oopsim_recover.ko || kmsg "OOPSIM recover: insmod oopsim_recover.ko failed"
	now
	us=$(((NOW - t0) / 1000))
	kmsg "OOPSIM recover: insmod oopsim_recover.ko took $((us / 1000)).$(printf %03d $((us % 1000))) ms"
	;;
daemon)
	mkdir -p /run/oopsim-recover
	: > /run/oopsim-recover/workloads
	for p in $2; do
		read -r _pid _comm _st _ppid _pgrp sid _rest < /proc/$p/stat 2>/dev/null || continue
		[ "$sid" = "$p" ] || continue   # forked helpers (tcp receiver, restartd's daemon) are not workloads
		echo "$p|$(tr '\0' ' ' < /proc/$p/cmdline | sed 's/ $//')" >> /run/oopsim-recover/workloads
	done
	setsid oopsim-recoverd </dev/null >/dev/console 2>&1 &
	kmsg "OOPSIM RECOVER READY module=$([ -d $P ] && echo loaded || echo missing) mode=$(cat $P/mode 2>/dev/null) daemon=$! workloads=$(wc -l < /run/oopsim-recover/workloads) $(cat $P/stats 2>/dev/null)"
	;;
*)
	kmsg "OOPSIM recover: start.sh load|daemon"
	;;
esac
