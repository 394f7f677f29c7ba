#!/bin/sh
# oopsim guest: which kernel functions does a parent run when it waits for and reaps a killed
# child?
# Run by /init after OOPSIM READY when the kernel cmdline has oopsim.measure=reappath
# (opt-in; default boots never run it).
#
# usage: reappath.sh [N]     N victims (default 7)
#
# A task that an oops kills is reaped by its parent (init for the workloads, which /init starts
# in the background): the parent's wait4() wakes (remove_wait_queue), finds the zombie and runs
# release_task(), which unhashes the task and flushes its /proc/<pid> dentries
# (proc_invalidate_siblings_dcache -> d_invalidate -> shrink_dcache_parent -> d_walk ...).
# A fault in kernel text on that path strikes the reaper.
#
# Each victim is started the way /init starts a workload (setsid, in the background, output to
# the console): the workload binaries themselves, and a plain sleep. Its /proc/<pid> entries
# are looked up first, as pidof, the streamer and the recovery daemon do for every workload.
# Then SIGKILL, and this shell reaps it while ftrace's function_graph tracer records every
# function called under kernel_wait4 in the reaper, except the sleep itself (schedule and what
# it calls, which every context runs), preemption points, interrupts and the softirqs run on
# their exit.
#
# With /etc/oopsim/reap-probes.txt in the initramfs (the host's second pass), a kprobe on each
# instruction of those functions instead says which instructions the reaper ran.
#
# Console (/dev/kmsg) lines:
#   REAPPATH-START n=N kernel=RELEASE
#   REAPPATH-VICTIM i=I pid=PID cmd=...
#   REAPPATH-FN name          (each function seen under kernel_wait4, sorted, once)
#   REAPPATH-PROBES placed=P of Q  (second pass: kprobes the kernel accepted)
#   REAPPATH-AT name+0xoff    (second pass: each instruction the reaper ran, once)
#   REAPPATH-DONE victims=N functions=M fails=F
N=${1:-7}
T=/sys/kernel/tracing
kmsg() { echo "<5>$*" > /dev/kmsg; }
FAILS=0
kmsg "REAPPATH-START n=$N kernel=$(uname -r)"
if ! grep -qw function_graph $T/available_tracers; then
	kmsg "REAPPATH-DONE victims=0 functions=0 fails=1 (no function_graph tracer)"
	exit 1
fi
PROBES=/etc/oopsim/reap-probes.txt
echo 0 > $T/tracing_on
echo nop > $T/current_tracer
echo > $T/trace
echo 8192 > $T/buffer_size_kb
if [ -f $PROBES ]; then
	# Second pass: a kprobe on every instruction of the functions the first pass found (the host
	# lists them, one "p:oopsim_reap/rN func+0xoff" per line); events from this shell only.
	echo > $T/kprobe_events
	# plain int3 probes: disarming thousands of jump-optimized ones waits on RCU-tasks grace
	# periods batch after batch
	echo 0 > /proc/sys/debug/kprobes-optimization
	P=0
	while read -r def; do
		echo "$def" >> $T/kprobe_events 2>/dev/null && P=$((P + 1))
	done < $PROBES
	kmsg "REAPPATH-PROBES placed=$P of $(wc -l < $PROBES)"
	echo $$ > $T/set_event_pid
	echo 1 > $T/events/oopsim_reap/enable
else
	echo kernel_wait4 > $T/set_graph_function
	# not the reap path: the sleep (and preemption points), and softirqs run on an interrupt's exit
	for f in schedule __cond_resched preempt_schedule preempt_schedule_common preempt_schedule_irq \
		handle_softirqs __do_softirq do_softirq; do
		echo $f >> $T/set_graph_notrace 2>/dev/null
	done
	echo 0 > $T/options/funcgraph-irqs
	echo function_graph > $T/current_tracer
fi
mkdir -p /tmp/reap
i=0
while [ $i -lt "$N" ]; do
	case $((i % 3)) in
	0) set -- sleep 3600 ;;
	1) set -- oopsim-fsbench reap /tmp/reap ;;
	2) set -- oopsim-restartd reap ;;
	esac
	setsid "$@" </dev/null >/dev/console 2>&1 &
	pid=$!
	sleep 0.3
	# what pidof and the daemons read of every workload
	cat /proc/$pid/stat /proc/$pid/cmdline /proc/$pid/status >/dev/null 2>&1
	ls /proc/$pid/ /proc/$pid/fd /proc/$pid/task >/dev/null 2>&1
	kmsg "REAPPATH-VICTIM i=$i pid=$pid cmd=$*"
	echo 1 > $T/tracing_on
	kill -9 $pid
	wait $pid 2>/dev/null
	echo 0 > $T/tracing_on
	i=$((i + 1))
done
M=0
if [ -f $PROBES ]; then
	# disarm first: armed, the probes on lock and slab code trap whatever reads the buffer
	echo 0 > $T/events/oopsim_reap/enable
	echo > $T/set_event_pid
	kmsg "REAPPATH-DISARMED"
	# "... r12: (dput+0x173/0x310)" -> dput+0x173
	sed -n 's/.* r[0-9]*: (\([A-Za-z0-9_.]*+0x[0-9a-f]*\)\/.*/\1/p' $T/trace | sort -u > /tmp/reappath.txt
	# (the probes stay registered: unregistering each waits for an RCU grace period, and this
	# boot ends here)
	while read -r at; do
		kmsg "REAPPATH-AT $at"
		M=$((M + 1))
	done < /tmp/reappath.txt
else
	# function names: "name() {" or "name();" in the graph, suffixes like .isra.0 kept
	sed -n 's/.*|[ ]*\([A-Za-z0-9_.]*\)().*/\1/p' $T/trace | sort -u > /tmp/reappath.txt
	echo nop > $T/current_tracer
	echo > $T/set_graph_function
	echo > $T/set_graph_notrace
	while read -r fn; do
		kmsg "REAPPATH-FN $fn"
		M=$((M + 1))
	done < /tmp/reappath.txt
fi
[ "$M" -gt 0 ] || FAILS=$((FAILS + 1))
kmsg "REAPPATH-DONE victims=$N functions=$M fails=$FAILS"
