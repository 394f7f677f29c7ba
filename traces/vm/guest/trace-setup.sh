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

SPIN="_raw_spin_lock _raw_spin_unlock _raw_spin_lock_irqsave _raw_spin_unlock_irqrestore
_raw_spin_lock_irq _raw_spin_unlock_irq _raw_spin_lock_bh _raw_spin_unlock_bh _raw_spin_trylock
_raw_read_lock _raw_read_unlock _raw_write_lock _raw_write_unlock _raw_read_lock_irqsave
_raw_read_unlock_irqrestore _raw_write_lock_irqsave _raw_write_unlock_irqrestore _raw_read_lock_irq
_raw_read_unlock_irq _raw_write_lock_irq _raw_write_unlock_irq _raw_read_lock_bh _raw_read_unlock_bh
_raw_write_lock_bh _raw_write_unlock_bh _raw_read_trylock _raw_write_trylock"
SLEEP="mutex_lock mutex_unlock mutex_lock_interruptible mutex_lock_killable mutex_trylock
down_read up_read down_write up_write down_read_killable down_read_interruptible down_write_killable
down_read_trylock down_write_trylock downgrade_write
down up down_interruptible down_killable down_timeout down_trylock"
case "$LOCKS" in
all) SYMS="$SPIN $SLEEP" ;;
sleeping) SYMS="$SLEEP" ;;
*) SYMS="" ;;
esac
ok=""; bad=""
# one pass over kallsyms (grepping it 50 times costs ~40 s under TCG)
grep -E ' [Tt] (_raw_[a-z_]+|mutex_[a-z_]+|down[a-z_]*|up|up_[a-z]+|downgrade_write)$' /tmp/kallsyms > /tmp/locksyms
for s in $SYMS; do
	if ! grep -q " [Tt] $s\$" /tmp/locksyms; then bad="$bad $s(absent)"; continue; fi
	n=${s#_raw_}
	if echo "p:oopsim/$n $s lock=%di:x64 caller=\$stack0:x64" >> $TOP/kprobe_events 2>/dev/null; then
		ok="$ok $s"
		case $s in
		*trylock*|*interruptible*|*killable*|*timeout*)
			echo "r:oopsim/${n}_ret $s ret=\$retval:s32" >> $TOP/kprobe_events 2>/dev/null ;;
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
