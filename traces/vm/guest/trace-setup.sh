#!/bin/sh
# Configure ftrace in the guest and stream trace_pipe to the virtio port $TRACEPORT.
# Inputs (env): TRACEPORT, WPIDS, RETRACE (0|1), STREAM_MS (streamer batch interval), LOCKS (all|sleeping|none), LOCKPIDS (all|workloads), SYSCALLS (0|1)
# Everything goes to the instance /init made: the oops' tracing_off() stops only the top-level
# buffer. Kprobe events are defined at the top and enabled in the instance.
TOP=/sys/kernel/tracing
T=$TOP/instances/oopsim
mkdir -p $T
kmsg() { echo "<5>$*" > /dev/kmsg; }
echo 0 > $T/tracing_on
echo 4096 > $T/buffer_size_kb
echo > $T/trace
echo > $TOP/kprobe_events

# The lock primitives: models/lock_primitives.txt (the project's one list; setup.sh copies it here).
# Rows "symbol class op success"; sleeping locks are the classes other than spinlock and rwlock-*.
PRIMS=/etc/oopsim/lock_primitives.txt
prims() { awk -v want="$1" '{ sub(/#.*/, "") } NF == 4 && (want == "all" || $2 !~ /^(spinlock|rwlock)/) { print $1 }' $PRIMS; }
case "$LOCKS" in
all) SYMS=$(prims all) ;;
sleeping) SYMS=$(prims sleeping) ;;
*) SYMS="" ;;
esac
# takes whose success only the return value tells (trylock, interruptible, killable, timeout)
COND=" $(awk '{ sub(/#.*/, "") } NF == 4 && $3 == "take" && $4 != "always" { printf "%s ", $1 }' $PRIMS)"
ok=""; bad=""
# one pass over kallsyms (grepping it 50 times costs ~40 s under TCG)
prims all > /tmp/lockwant
awk 'NR == FNR { want[$1] = 1; next } ($2 == "T" || $2 == "t") && ($3 in want)' /tmp/lockwant /tmp/kallsyms > /tmp/locksyms
for s in $SYMS; do
	if ! grep -q " [Tt] $s\$" /tmp/locksyms; then bad="$bad $s(absent)"; continue; fi
	n=${s#_raw_}
	if echo "p:oopsim/$n $s lock=%di:x64 caller=\$stack0:x64" >> $TOP/kprobe_events 2>/dev/null; then
		ok="$ok $s"
		case "$COND" in
		*" $s "*) echo "r:oopsim/${n}_ret $s ret=\$retval:s32" >> $TOP/kprobe_events 2>/dev/null ;;
		esac
	else
		bad="$bad $s(not-probeable)"
	fi
done
kmsg "OOPSIM kprobes:$ok"
[ -n "$bad" ] && kmsg "OOPSIM kprobes skipped:$bad"

for e in sched_switch sched_wakeup sched_wakeup_new sched_process_fork sched_process_exit sched_process_exec; do
	echo 1 > $T/events/sched/$e/enable
done
[ "$SYSCALLS" = 1 ] && echo 1 > $T/events/raw_syscalls/enable

if [ "$LOCKPIDS" = workloads ]; then
	echo 1 > $T/options/event-fork
	echo $WPIDS > $T/set_event_pid
fi

# the streamer itself must not feed back into the trace
oopsim-streamer stream $TRACEPORT ${STREAM_MS:-20} &
STREAMER=$!
renice -n -20 -p $STREAMER >/dev/null
F="common_pid != $STREAMER"
if [ "$RETRACE" = 1 ]; then
	# nothing in the kernel switches an instance off, but should anything do so, switch it back
	# on within 50 ms and say so in the stream
	oopsim-streamer retrace 50 &
	F="$F && common_pid != $!"
fi
[ -d $T/events/oopsim ] && echo "$F" > $T/events/oopsim/filter
echo "$F" > $T/events/raw_syscalls/filter
[ -d $T/events/oopsim ] && echo 1 > $T/events/oopsim/enable
echo 1 > $T/tracing_on
echo "OOPSIM TRACE START streamer=$STREAMER wpids=$(echo $WPIDS)" > $T/trace_marker
kmsg "OOPSIM trace streaming to $TRACEPORT (streamer pid $STREAMER)"
