"""oopsim's QEMU plugin (traces/vm/plugin/oopsim_plugin.c) on a run: where setup built it, and its
arguments for a guest restored from a state (addresses from the state's kallsyms, task_struct
offsets of the guest kernel). With it, a run records every execution of the fault's site by any
context (site-hits.txt) and the CPU's state at each oops entry (crash-state.txt), exactly and
without stopping the guest."""
import os

from vm_base import CACHE

# task_struct layout of the guest kernel (Debian 6.1.0-56-amd64), from its BTF:
# `pahole -C task_struct --hex vmlinux` (vmlinux unpacked from the package's vmlinuz).
TASK_PID_OFF = 0x970
TASK_COMM_OFF = 0xBA0
PLUGIN_SYMBOLS = ("__per_cpu_offset", "current_task", "__preempt_count", "jiffies", "oops_begin")


def plugin_path():
    """The built plugin, or None (QEMU older than 9.2, setup.sh did not build it, or
    OOPSIM_NO_PLUGIN=1: to measure what the plugin costs, or to run as without it)."""
    if os.environ.get("OOPSIM_NO_PLUGIN") == "1":
        return None
    p = os.path.join(CACHE, "oopsim_plugin.so")
    return p if os.path.exists(p) else None


def plugin_args(d, kallsyms, site=None, coverage=False):
    """(plugin file, [key=value, ...]) for a run writing into D, or None without the plugin.
    coverage: also write D/coverage.txt, every kernel instruction the run executed."""
    so = plugin_path()
    if so is None:
        return None
    syms = {}
    with open(kallsyms) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[2] in PLUGIN_SYMBOLS and p[2] not in syms:
                syms[p[2]] = int(p[0], 16)
    missing = [s for s in PLUGIN_SYMBOLS if s not in syms]
    if missing:
        raise RuntimeError("the plugin needs %s, which %s lacks" % (", ".join(missing), kallsyms))
    args = ["dir=" + os.path.abspath(d),
            "per_cpu_offset=%#x" % syms["__per_cpu_offset"],
            "current_task=%#x" % syms["current_task"],
            "preempt_count=%#x" % syms["__preempt_count"],
            "jiffies=%#x" % syms["jiffies"],
            "task_pid=%#x" % TASK_PID_OFF,
            "task_comm=%#x" % TASK_COMM_OFF,
            "oops=%#x" % syms["oops_begin"]]
    if site:
        args.append("site=%#x" % site)
    if coverage:
        args.append("coverage=1")
    return so, args
