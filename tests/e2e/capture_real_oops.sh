#!/usr/bin/env bash
# End-to-end on a real kernel: simcapture sets up Debian's kernel under QEMU TCG, saves the
# workloads in steady state, runs a golden and an injected run from that state (a NULL forced
# through the gdb stub into the first argument of __x64_sys_newuname, which restartd's daemon
# calls), and imports the pair. The trace must hold the oops and its context, the killed task,
# lock events before the crash, the golden continuation and an observed outcome per workload;
# simrun must predict from it. The runs work in a folder more than 150 bytes deep.
# With the mutation (path_openat), the QEMU plugin's memory record: the stores of the context
# that ran the site, each in its object, others' later loads, and the trace's objects and events.
# Usage: capture_real_oops.sh SIMCAPTURE SIMTRACE SIMRUN WORKDIR
set -euo pipefail
simcapture=$1 simtrace=$2 simrun=$3 work=$4
source "$(dirname "$0")/failure_first.sh" "$work/test.log"
trace="$work/real_oops.pb"
# The runs work in a folder more than 150 bytes deep: QEMU's QMP and gdb sockets must not live at
# paths longer than a Unix socket allows (107 bytes).
deep="$work/runs/$(printf 'a-deep-folder-%.0s' 1 2 3 4 5 6 7 8 9 10)"
((${#deep} > 150)) || deep="$deep/$(printf 'x%.0s' $(seq $((151 - ${#deep}))))"
# A state kept from an earlier run of this test is saved again when the guest changed since (its
# boot files are not the cache's current ones): the test always runs the current guest code.
here=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -d $work/vmcache/state ]]; then
  OOPSIM_CACHE="$work/vmcache" "$here/traces/vm/setup.sh" >"$work/setup.log" 2>&1 ||
    { tail -20 "$work/setup.log" >&2; exit 1; }
  python3 "$here/traces/vm/vmctl.py" state-current "$work/vmcache/state" || rm -rf "$work/vmcache/state"
fi
"$simcapture" -o "$trace" --inject __x64_sys_newuname:rdi=0 --inject-after 3 --seconds 12 \
  --cache "$work/vmcache" --state "$work/vmcache/state" --runs "$deep"
"$simtrace" validate "$trace"
"$simtrace" summary --format=json "$trace" > "$work/summary.json"
"$simtrace" convert "$trace" -o "$work/real_oops.trace.txt" >/dev/null
python3 - "$work/summary.json" "$work/real_oops.trace.txt" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))[0]
text = open(sys.argv[2]).read().splitlines()
def fail(why):
    print("FAIL:", why); sys.exit(1)
crash = s["crash"] or fail("no crash in the trace")
if crash["kind"] != "NULL pointer dereference": fail("crash kind " + crash["kind"])
if crash["function"] != "__x64_sys_newuname": fail("crash function " + crash["function"])
ctx = [l for l in text if l.startswith("context id=%d " % crash["context"])]
if not ctx or "comm=oopsim-restartd" not in ctx[0]: fail("oops context: %s" % ctx)
inj = s["injected_events"]
if inj.get("lock-acquired", 0) < 1000 or inj.get("lock-release", 0) < 1000: fail("too few lock events: %s" % inj)
if s["golden_events"].get("lock-acquired", 0) < 1000: fail("no golden continuation: %s" % s["golden_events"])
# The killed task exits after its oops in the injected run.
section, crashed, exited = None, False, False
for l in text:
    if l.startswith("section "): section = l.split("=")[1]
    if section == "injected" and l.startswith("event ") and "context=%d " % crash["context"] in l + " ":
        if "type=oops" in l: crashed = True
        elif crashed and "type=exit" in l: exited = True
if not exited: fail("the oopsing task does not exit after its oops")
# The header names the kernel build: its package and its vmlinux's GNU build id.
if not s.get("kernel_package", "").startswith("linux-image-"): fail("kernel package: %r" % s.get("kernel_package"))
if not re.fullmatch(r"[0-9a-f]{40}", s.get("kernel_build_id", "")): fail("build id: %r" % s.get("kernel_build_id"))
obs = s["observed"]
if sorted(obs) != ["audio", "ext4", "restartd", "tcp", "usb", "vfat"]: fail("observed: %s" % obs)
print("ok:", crash, obs)
PY
# The QEMU plugin records the CPU at the oops entry: the crashing task's, in task context (a
# system call, interrupts on), and the trace's oops carries it.
[[ -f $work/vmcache/oopsim_plugin.so ]] || { echo "FAIL: setup built no QEMU plugin"; exit 1; }
# (On a failure, what the guest's boot said about its clocks: the trace clock is the TSC's.)
clock_facts() { grep -a -iE "tsc|sched_clock|clocksource" "$work/vmcache/state/console.log" | head -12; }
grep -Eq '^[0-9]+ [0-9]+ [0-9]+ oopsim-restartd (0|0x80000000) 0x[0-9a-f]*[2367abef][0-9a-f]{2} ns=[0-9]+$' \
  "$deep/injected/crash-state.txt" ||
  { echo "FAIL: crash-state.txt:"; cat "$deep/injected/crash-state.txt"; clock_facts; exit 1; }
# Its ns= is the guest's trace clock at the oops entry: it falls exactly between the crashing
# task's last traced event before the oops and its first one printing the oops (console_sem's
# down_trylock), give or take 5 ms: with the host busy the plugin's reading runs a little off (the
# host's counter at the record line against the offset measured at the guest's last counter read;
# 1.7 ms early in fresh-clone run 48, docs/reliability.md), which is why the importer never moves
# a crash before the console's stamp. Both are looked for after the task's last system call entry
# before the oops entry (the uname that oopses), so a console print earlier in that second does
# not count.
python3 - "$deep/injected/crash-state.txt" "$deep/injected/trace.txt" <<'PY' || { clock_facts; exit 1; }
import re, sys
line = [l for l in open(sys.argv[1]) if not l.startswith("#")][0].split()
pid, at = line[2], int(line[-1][3:]) / 1e9
ev = re.compile(r"^\s*(\S+)-(\d+)\s+\[\d+\]\s+\S+\s+([0-9.]+): (\w+):")
times = [(float(m.group(3)), m.group(4)) for m in map(ev.match, open(sys.argv[2], errors="replace"))
         if m and m.group(2) == pid]
entries = [t for t, name in times if name == "sys_enter" and t <= at]
start = entries[-1] if entries else at - 1.0
prints = [t for t, name in times if name == "down_trylock" and t > start]
before = [t for t, _ in times if t >= start and prints and t < prints[0]]
slack = 0.005
if not prints or not before or not (before[-1] - slack <= at <= prints[0] + slack):
    near = [(t, name) for t, name in times if abs(t - at) < 0.05]
    sys.exit("FAIL: the oops entry's trace clock %.6f (pid %s) is not between the task's last "
             "event %s and its first oops print %s after its system call entry at %s; its events "
             "within 50 ms: %s" % (at, pid, before[-1:] or "-", prints[:1] or "-",
                                   entries[-1:] or "-", near[:40]))
PY
grep -m1 "type=oops" "$work/real_oops.trace.txt" | grep -q "preempt_count=0 irqs_disabled=false" ||
  { echo "FAIL: the oops has no CPU state"; exit 1; }
"$simrun" --policy=all "$trace" > "$work/prediction.txt"
grep -q "kill-faulty" "$work/prediction.txt"
# The seed-style injector on the same cache: a dry run names the site and bytes; a real run
# writes them into the live kernel text (checked against the recorded bytes) and sees the
# mutated instruction execute.
"$simcapture" --dry-run --fault-type branch --site path_openat+0x54 --cache "$work/vmcache" \
  --state "$work/vmcache/state" > "$work/dry.txt"
grep -q "BRANCH at path_openat+0x54" "$work/dry.txt"
grep -q "before 0f87" "$work/dry.txt"
"$simcapture" -o "$work/mutated.pb" --fault-type branch --site path_openat+0x54 --seconds 8 \
  --cache "$work/vmcache" --state "$work/vmcache/state" --runs "$work/runs-mutated" > "$work/mutated.txt"
grep -q "fault activated" "$work/mutated.txt"
"$simtrace" validate "$work/mutated.pb"
# Its golden run recorded, through the plugin, every execution of the site (path_openat runs on
# every file open): the trace's golden section has the site-run events.
grep -q "every execution (QEMU plugin)" "$work/runs-mutated/golden/site-hits.txt"
(($(grep -cv '^#' "$work/runs-mutated/golden/site-hits.txt") > 0)) ||
  { echo "FAIL: no site hits in the golden run"; exit 1; }
# Each with the guest's trace clock (ns=): the trace's site runs are timed.
! grep -v '^#' "$work/runs-mutated/golden/site-hits.txt" | grep -qv ' ns=[0-9]*$' ||
  { echo "FAIL: a site hit without the guest's trace clock"; exit 1; }
"$simtrace" summary --format=json "$work/mutated.pb" |
  python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; sys.exit(0 if s["golden_events"].get("site-run", 0) > 0 else "FAIL: no site-run events")'
# The memory record (the plugin's mem.txt, both runs): the context that first ran the site, its
# stores until the function that ran it returned, each in its object (path_openat fills a new
# struct file from the filp slab cache), and other contexts' later loads of those bytes. The
# trace carries them: objects with their region, the writes (compared with the fault-free run's)
# and the reads. Each line carries the guest's trace clock (ns=).
for run in golden injected; do
  mem="$work/runs-mutated/$run/mem.txt"
  grep -q '^# mem (QEMU plugin) site ' "$mem" || { echo "FAIL: no memory record in $mem"; exit 1; }
  grep -Eq '^A [0-9]+ [0-9]+ [0-9]+ ' "$mem" || { echo "FAIL: no activation in $mem"; exit 1; }
  grep -Eq '^W .* slab 0x[0-9a-f]+ 0x[0-9a-f]+ filp ns=[0-9]+$' "$mem" ||
    { echo "FAIL: no store to a filp slab object in $mem"; grep -c '^W' "$mem"; exit 1; }
  grep -Eq '^E [0-9]+ (return|oops|cap|work|time)$' "$mem" || { echo "FAIL: the window never ended in $mem"; exit 1; }
done
"$simtrace" convert "$work/mutated.pb" -o "$work/mutated.trace.txt" >/dev/null
grep -Eq '^object id=[0-9]+ name=filp@0x[0-9a-f]+ .*region=slab' "$work/mutated.trace.txt" ||
  { echo "FAIL: no filp object in the trace"; exit 1; }
grep -Eq 'type=object-write .*address=0x[0-9a-f]+ size=[0-9]+ fault_free=(true|false)' "$work/mutated.trace.txt" ||
  { echo "FAIL: no compared object-write in the trace"; exit 1; }
grep -q 'type=fault-activation' "$work/mutated.trace.txt" || { echo "FAIL: no activation event"; exit 1; }
grep -q '^fault .*site_runs_timed=true' "$work/mutated.trace.txt" ||
  { echo "FAIL: the trace's site runs are not timed"; exit 1; }
(($(grep -c '^R ' "$work/runs-mutated/golden/mem.txt" "$work/runs-mutated/injected/mem.txt" | awk -F: '{s+=$2} END {print s}') > 0)) ||
  { echo "FAIL: no other context's load of the written bytes in either run"; exit 1; }
grep -q 'type=object-read' "$work/mutated.trace.txt" || { echo "FAIL: no object-read in the trace"; exit 1; }
echo "ok: memory record"
