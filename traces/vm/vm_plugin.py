"""oopsim's QEMU plugin (traces/vm/plugin/oopsim_plugin.c) on a run: where setup built it, and its
arguments for a guest restored from a state (addresses from the state's kallsyms, task_struct
offsets of the guest kernel). With it, a run records every execution of the fault's site by any
context (site-hits.txt) and the CPU's state at each oops entry (crash-state.txt), exactly and
without stopping the guest."""
import os

from kernel_layout import PERCPU_SYMBOLS, layout, percpu_offsets
from vm_base import CACHE

PLUGIN_SYMBOLS = ("__per_cpu_offset", "jiffies", "oops_begin", "page_offset_base", "vmemmap_base",
                  "__per_cpu_end", "_stext", "_end", "_etext", "init_task", "update_process_times",
                  "cyc2ns")


def plugin_path():
    """The built plugin, or None (QEMU older than 9.2, setup.sh did not build it, or
    OOPSIM_NO_PLUGIN=1: to measure what the plugin costs, or to run as without it)."""
    if os.environ.get("OOPSIM_NO_PLUGIN") == "1":
        return None
    p = os.path.join(CACHE, "oopsim_plugin.so")
    return p if os.path.exists(p) else None


def instrument_entries(kallsyms, out):
    """Writes to OUT the addresses (hex, one a line, with `ret` after those entered by a return) of
    the functions instrument_entries.txt names: where the guest's tracer is entered. The count
    written."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugin", "instrument_entries.txt")
    names, prefixes = {}, []
    with open(here) as f:
        for line in f:
            w = line.split("#")[0].split()
            if w and w[0].endswith("*"):
                prefixes.append(w[0][:-1])
            elif w:
                names[w[0]] = " ret" if w[1:] == ["ret"] else ""
    addrs = {}
    with open(kallsyms) as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and p[1] in "tT" and (p[2] in names or p[2].startswith(tuple(prefixes))):
                addrs[int(p[0], 16)] = names.get(p[2], "")
    with open(out, "w") as f:
        f.writelines("%x%s\n" % (a, addrs[a]) for a in sorted(addrs))
    return len(addrs)


def plugin_args(d, kallsyms, site=None, coverage=False):
    """(plugin file, [key=value, ...]) for a run writing into D, or None without the plugin.
    coverage: also write D/coverage.txt, every kernel instruction the run executed. With a site,
    the run also writes D/mem.txt (the memory record: the stores of the context that first runs
    the site, and who loads those bytes after), unless OOPSIM_NO_MEM=1."""
    so = plugin_path()
    if so is None:
        return None
    syms = {}
    with open(kallsyms) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[2] in PLUGIN_SYMBOLS + PERCPU_SYMBOLS and p[2] not in syms:
                syms[p[2]] = int(p[0], 16)
    missing = [s for s in PLUGIN_SYMBOLS if s not in syms]
    if missing:
        raise RuntimeError("the plugin needs %s, which %s lacks" % (", ".join(missing), kallsyms))
    lay = layout()  # the kernel's BTF: offsets of this build's structures
    pcpu = percpu_offsets(syms, lay)
    args = ["dir=" + os.path.abspath(d),
            "per_cpu_offset=%#x" % syms["__per_cpu_offset"],
            "current_task=%#x" % pcpu["current_task"],
            "preempt_count=%#x" % pcpu["preempt_count"],
            "jiffies=%#x" % syms["jiffies"],
            "oops=%#x" % syms["oops_begin"]]
    args += ["task_pid=%#x" % lay["task_pid"], "task_comm=%#x" % lay["task_comm"],
             "hz=%d" % lay["hz"]]
    # Where tasks wait (blocked.txt): every run.
    args += ["tasks=1", "tick=%#x" % syms["update_process_times"], "init_task=%#x" % syms["init_task"],
             "task_state=%#x" % lay["task_state"], "task_tasks=%#x" % lay["task_tasks"],
             "task_thread_sp=%#x" % (lay["task_thread"] + lay["thread_sp"]),
             "task_stack=%#x" % lay["task_stack"], "text_start=%#x" % syms["_stext"],
             "text_end=%#x" % syms["_etext"]]
    # The guest's trace clock on each site-hits.txt and crash-state.txt line (guest_clock.c).
    args += ["clock=1", "cyc2ns=%#x" % syms["cyc2ns"], "cyc2ns_seq=%#x" % lay["cyc2ns_seq"],
             "cyc2ns_size=%#x" % lay["cyc2ns_size"], "cyc2ns_mul=%#x" % lay["cyc2ns_mul"],
             "cyc2ns_shift=%#x" % lay["cyc2ns_shift"], "cyc2ns_offset=%#x" % lay["cyc2ns_offset"]]
    if site:
        args.append("site=%#x" % site)
    if site and os.environ.get("OOPSIM_NO_MEM") != "1":
        # A slab page: its flag (PG_slab) where the kernel has one, else its page type.
        slab = (["pg_slab=%d" % lay["pg_slab"]] if "pg_slab" in lay else
                ["pgty_slab=%#x" % lay["pgty_slab"], "slab_page_type=%#x" % lay["slab_page_type"]])
        args += ["mem=1", "slab_cache=%#x" % lay["slab_cache"]] + slab + [
                 "kmem_cache_size=%#x" % lay["kmem_cache_size"],
                 "kmem_cache_name=%#x" % lay["kmem_cache_name"],
                 "page_offset_base=%#x" % syms["page_offset_base"],
                 "vmemmap_base=%#x" % syms["vmemmap_base"],
                 "percpu_size=%#x" % syms["__per_cpu_end"], "image_end=%#x" % syms["_end"]]
        entries = os.path.join(os.path.abspath(d), "instrument-entries.txt")
        if instrument_entries(kallsyms, entries):
            args.append("instrument=" + entries)
    if coverage:
        args.append("coverage=1")
    return so, args
