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
# 16 MiB per CPU: the streamer drains the buffer slower than the workloads fill it on a slow host
# (seen: 9 k of 21 k events per guest second, one VM on a 2-core machine), and a full buffer
# overwrites what is not streamed yet ([LOST N EVENTS]); 4 MiB lost 97 k events of a 16 s run.
# The run then goes on until the stream has caught up (vmctl.py run --drain).
echo 16384 > $T/buffer_size_kb
echo > $T/trace
echo > $TOP/kprobe_events

# The lock and wait primitives: models/lock_primitives.txt (the project's one list; setup.sh
# copies it here). Rows "symbol class op detail"; sleeping ones are the classes other than
# spinlock and rwlock-*. Each probe fetches the lock's (or waited-on key's) address and the
# caller; a bit-wait also the bit (2nd argument), a wait whose state is an argument that state.
# A return probe tells whether a conditional take got its lock, and when a wait returned.
PRIMS=/etc/oopsim/lock_primitives.txt
awk -v want="$LOCKS" 'BEGIN { split("%di %si %dx %cx %r8 %r9", reg, " ") }
{ sub(/#.*/, "") }
NF == 4 && want != "none" && (want == "all" || $2 !~ /^(spinlock|rwlock)/) {
	args = "lock=%di:x64 caller=$stack0:x64"
	if ($2 == "bit-wait") args = args " bit=%si:u64"
	if ($4 ~ /^arg[1-6]$/) args = args " state=" reg[substr($4, 4)] ":x64"
	print $1, ((($3 == "take" && $4 != "always") || $3 == "wait") ? 1 : 0), args
}' $PRIMS > /tmp/lockprobes
ok=""; bad=""
# one pass over kallsyms (grepping it 50 times costs ~40 s under TCG)
awk 'NR == FNR { want[$1] = 1; next } ($2 == "T" || $2 == "t") && ($3 in want)' /tmp/lockprobes /tmp/kallsyms > /tmp/locksyms
while read -r s ret args; do
	if ! grep -q " [Tt] $s\$" /tmp/locksyms; then bad="$bad $s(absent)"; continue; fi
	n=${s#_raw_}
	# The return probe first: the kernel runs the probes on one address newest first, so the entry
	# probe reads the caller before the return probe puts its trampoline in the caller's place.
	[ "$ret" = 1 ] && echo "r:oopsim/${n}_ret $s ret=\$retval:s32" >> $TOP/kprobe_events 2>/dev/null
	if echo "p:oopsim/$n $s $args" >> $TOP/kprobe_events 2>/dev/null; then
		ok="$ok $s"
	else
		bad="$bad $s(not-probeable)"
	fi
done < /tmp/lockprobes
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
oopsim-streamer stream $TRACEPORT ${STREAM_MS:-20} ${STREAM_HOW:-copy} &
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
