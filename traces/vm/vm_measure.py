"""Measurements in the guest: module reload times (measure) and the reap path (measure-reap,
models/reap_path.txt)."""
import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time


from vm_base import *  # noqa: F401,F403
from vm_qemu import *  # noqa: F401,F403
from vm_remote import *  # noqa: F401,F403


KMSG_RE = re.compile(r"^\[\s*(\d+\.\d+)\]\s+(.*)$")


def _median(v):
    v = sorted(v)
    n = len(v)
    if not n:
        return None
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def _summ(v):
    v = [x for x in v if x is not None]
    if not v:
        return None
    return {"n": len(v), "median": round(_median(v), 3), "min": round(min(v), 3),
            "max": round(max(v), 3)}


def cmd_measure(a):
    """Fresh boot with oopsim.measure=modreload: the guest times rmmod/modprobe
    restarts (guest/modreload.sh); the host stamps each MODRELOAD line when it
    appears in console.log (10 ms polls) for the host wall time."""
    append = ["oopsim.measure=modreload", "oopsim.measure_n=%d" % a.n,
              "oopsim.measure_mods=" + a.mods, "oopsim.measure_gap_ms=%d" % a.gap_ms,
              "oopsim.trace=%d" % a.trace]
    a.append = " ".join(append + a.append.split())
    cfg = default_cfg(a)
    d = os.path.abspath(a.dir)
    fresh_dir(d)
    make_overlays(d)
    t0 = time.time()
    proc = launch(cfg, d)
    qmp = QMP(sock_path(d, "qmp.sock"))
    con = os.path.join(d, "console.log")
    host = []  # (host seconds since launch, kmsg line)
    off, part, done = 0, b"", False
    while not done:
        if time.time() - t0 > a.timeout:
            raise TimeoutError("no MODRELOAD-DONE after %.0f s (%s)" % (a.timeout, con))
        if proc.poll() is not None:
            raise RuntimeError("qemu exited; see %s" % con)
        try:
            with open(con, "rb") as f:
                f.seek(off)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        now = time.time() - t0
        off += len(chunk)
        part += chunk
        *lines, part = part.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if "MODRELOAD" in line or "OOPSIM READY" in line:
                host.append((now, line))
                if "MODRELOAD-DONE" in line:
                    done = True
        time.sleep(0.01)
    log("MODRELOAD-DONE after %.1f s; %.0f s more for the restarted users" % (time.time() - t0, a.after))
    time.sleep(a.after)
    quit_qemu(proc, qmp)
    txt = read(con)
    res = analyze_modreload(txt, host)
    res["host_launch_to_done_s"] = round(host[-1][0], 2)
    res["cmdline"] = kernel_cmdline(cfg)
    res["kernel_package"] = cfg["kernel_package"]
    res["date"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    write_json(os.path.join(d, "modreload.json"), res)
    write_json(os.path.join(d, "config.json"), cfg)
    print_modreload(res)


def analyze_modreload(txt, host):
    g = []  # (guest kmsg seconds, text)
    for line in txt.splitlines():
        m = KMSG_RE.match(line)
        if m:
            g.append((float(m.group(1)), m.group(2)))
    sets, cur = {}, {}
    res = {"sets": sets, "fails": [t for _, t in g if t.startswith("MODRELOAD-FAIL") or
                                   re.match(r"FAIL \S+", t)]}
    for ht, line in host:  # MODRELOAD lines in console order, with the host time they appeared
        m = KMSG_RE.match(line)
        if not m:
            continue
        ts, t = float(m.group(1)), m.group(2)
        p = t.split()
        if not p:
            continue
        if p[0] == "MODRELOAD-CLOCK":
            res["clock_overhead"] = t
        elif p[0] == "MODRELOAD-BEGIN":
            cur[p[1]] = {"i": int(p[2][2:]), "begin_kmsg_s": ts, "begin_host_s": round(ht, 3)}
        elif p[0] == "MODRELOAD-END" and p[1] in cur:
            it = cur[p[1]]
            it["host_ms"] = round((ht - it["begin_host_s"]) * 1000, 1)
            it["end_kmsg_s"] = ts
            it["kmsg_ms"] = round((ts - it["begin_kmsg_s"]) * 1000, 3)  # cross-check of total_ms
        elif p[0] == "MODRELOAD" and len(p) >= 3:
            it = cur[p[1]]
            it["total_ms"] = float(p[2])
            sets.setdefault(p[1], []).append(it)
        elif p[0] == "MODRELOAD-PHASES":
            it = cur[p[1]]
            for kv in p[2:]:
                k, _, v = kv.partition("=")
                if k in ("users", "new", "mounts"):
                    it[k] = [x for x in v.split(",") if x]
                elif k != "i":
                    try:
                        it[k + "_ms"] = float(v)
                    except ValueError:
                        it[k + "_ms_bad"] = v
        elif p[0] == "MODRELOAD-SUMMARY":
            res.setdefault("guest_summary", {})[p[1]] = " ".join(p[2:])
        elif p[0] == "MODRELOAD-DONE":
            res["done"] = t
            res["done_kmsg_s"] = ts
    # restarted users: START / first PROGRESS of each new pid (kmsg clock)
    start_re = re.compile(r"^START (\S+) .*pid=(\d+)")
    first = {}
    for ts, t in g:
        m = start_re.match(t)
        if m:
            first.setdefault(("START", m.group(2)), ts)
        m = PROG_RE.match(t)
        if m:
            first.setdefault(("PROGRESS", m.group(3)), (ts, t))
    for name, its in sets.items():
        for it in its:
            new = it.get("new", [])
            if not new:
                continue
            st = [first.get(("START", p)) for p in new]
            pr = [first.get(("PROGRESS", p)) for p in new]
            if all(x is not None for x in st):
                it["to_users_started_ms"] = round((max(st) - it["begin_kmsg_s"]) * 1000, 1)
            if all(x is not None for x in pr):
                it["to_first_progress_ms"] = round((max(x[0] for x in pr) - it["begin_kmsg_s"]) * 1000, 1)
                it["first_progress"] = [x[1] for x in pr]
            else:
                it["missing_progress"] = [p for p, x in zip(new, pr) if x is None]
    summ = {}
    for name, its in sets.items():
        s = {"total_ms": _summ([i.get("total_ms") for i in its])}
        for k in ("stop", "umount", "rmmod", "modprobe", "dev", "mount", "start"):
            s[k + "_ms"] = _summ([i.get(k + "_ms") for i in its])
        s["host_ms"] = _summ([i.get("host_ms") for i in its])
        s["to_users_started_ms"] = _summ([i.get("to_users_started_ms") for i in its])
        s["to_first_progress_ms"] = _summ([i.get("to_first_progress_ms") for i in its])
        summ[name] = s
    res["summary"] = summ
    dev = [i["kmsg_ms"] - i["total_ms"] for its in sets.values() for i in its
           if "kmsg_ms" in i and "total_ms" in i]
    if dev:  # BEGIN/END printk stamps (local_clock) bracket the timed region
        res["kmsg_minus_total_ms"] = {"min": round(min(dev), 3), "max": round(max(dev), 3)}
    # guest clock vs host clock over the measurement
    hb = [v["begin_host_s"] for its in sets.values() for v in its if v.get("begin_host_s") is not None]
    gb = [v["begin_kmsg_s"] for its in sets.values() for v in its if v.get("begin_host_s") is not None]
    if len(hb) >= 2 and max(hb) > min(hb):
        res["guest_s_per_host_s"] = round((max(gb) - min(gb)) / (max(hb) - min(hb)), 3)
    # workloads alive after the last restart: PROGRESS lines after DONE with errors=0
    if "done_kmsg_s" in res:
        after = [t for ts, t in g if ts > res["done_kmsg_s"] and t.startswith("PROGRESS ")]
        res["progress_after_done"] = sorted({"%s %s" % (t.split()[1], t.split()[3]) for t in after
                                             if len(t.split()) > 3})
        res["progress_after_done_errors"] = [t for t in after if "errors=" in t and "errors=0" not in t]
    return res


def print_modreload(res):
    print("%-12s %3s  %-24s %-24s %s" % ("set", "n", "guest total ms med [min-max]",
                                          "host ms med [min-max]", "phases (median ms)"))
    for name, s in res["summary"].items():
        t, h = s["total_ms"], s["host_ms"]
        ph = " ".join("%s=%.1f" % (k[:-3], s[k]["median"]) for k in
                      ("stop_ms", "umount_ms", "rmmod_ms", "modprobe_ms", "dev_ms", "mount_ms", "start_ms")
                      if s.get(k))
        print("%-12s %3d  %7.1f [%6.1f-%6.1f]  %-24s %s" % (
            name, t["n"], t["median"], t["min"], t["max"],
            ("%7.1f [%6.1f-%6.1f]" % (h["median"], h["min"], h["max"])) if h else "-", ph))
    print("until the restarted users run (guest kmsg clock, from MODRELOAD-BEGIN; median [min-max] ms):")
    for name, s in res["summary"].items():
        a, b = s.get("to_users_started_ms"), s.get("to_first_progress_ms")
        if a or b:
            print("  %-12s START line %s   first PROGRESS %s" % (name, *(
                ("%.1f [%.1f-%.1f] n=%d" % (x["median"], x["min"], x["max"], x["n"])) if x else "-"
                for x in (a, b))))
    for k in ("clock_overhead", "kmsg_minus_total_ms", "guest_s_per_host_s", "done", "fails", "progress_after_done",
              "progress_after_done_errors"):
        if k in res:
            print("%s: %s" % (k, res[k]))


def _reap_boot(a, d, initrd=None):
    """One boot with oopsim.measure=reappath; returns the REAPPATH lines (kind, text)."""
    cfg = default_cfg(a)
    if initrd:
        cfg["initrd"] = initrd
    fresh_dir(d)
    make_overlays(d)
    proc = launch(cfg, d)
    qmp = QMP(sock_path(d, "qmp.sock"))
    con = os.path.join(d, "console.log")
    wait_console(d, lambda t: "REAPPATH-DONE" in t, a.timeout, proc, "REAPPATH-DONE")
    quit_qemu(proc, qmp)
    lines = [m.groups() for m in re.finditer(r"REAPPATH-([A-Z]+) ([^\r\n]*)", read(con))]
    done = [t for k, t in lines if k == "DONE"]
    if not done or "fails=0" not in done[0]:
        raise RuntimeError("reap-path measurement failed (%s); see %s" % (done or "no summary", con))
    return cfg, lines


def _instruction_probes(functions, kallsyms):
    """A kprobe definition for each instruction of each function: objdump of the cache's vmlinux
    (stripped; the guest's kallsyms give each function's start and, from the next symbol, its
    end; nokaslr, so they are the vmlinux's addresses)."""
    starts = []
    with open(kallsyms) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in "tT" and len(p) == 3:  # core kernel text, not modules
                starts.append((int(p[0], 16), p[2]))
    starts.sort()
    where = {}
    for i, (addr, name) in enumerate(starts):
        nxt = next((x for x, _ in starts[i + 1:] if x > addr), addr)
        where.setdefault(name, (addr, nxt - addr))
    vmlinux = os.path.join(CACHE, "vmlinux")
    probes = []
    for fn in functions:
        if fn not in where or where[fn][1] <= 0:
            continue
        addr, size = where[fn]
        out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "--start-address=%#x" % addr,
                              "--stop-address=%#x" % (addr + size), vmlinux],
                             check=True, capture_output=True, text=True).stdout
        for m in re.finditer(r"^\s*([0-9a-f]+):\s+\S", out, re.M):
            probes.append("%s+%#x" % (fn, int(m.group(1), 16) - addr))
    return probes


def cmd_measure_reap(a):
    """Two fresh boots with oopsim.measure=reappath (guest/reappath.sh). First, ftrace's
    function_graph tracer lists the functions the reaper runs in kernel_wait4 (the sleep
    excluded). Second, a kprobe on every instruction of those functions (an extra cpio appended
    to the initramfs carries the list) says which instructions it ran. --out gets each
    instruction run (function+0xoff), and as a bare name each function the second pass saw
    nothing of (its instructions could not be probed): the engine's reap-path table."""
    a.append = " ".join(["oopsim.measure=reappath", "oopsim.measure_n=%d" % a.n,
                         "oopsim.trace=0"] + a.append.split())
    base = os.path.abspath(a.dir)
    cfg, lines = _reap_boot(a, os.path.join(base, "functions"))
    if not extract_kallsyms(os.path.join(base, "functions")):
        raise RuntimeError("no kallsyms in %s/functions/meta.log" % base)
    fns = sorted({t.strip() for k, t in lines if k == "FN"})
    victims = [t.strip() for k, t in lines if k == "VICTIM"]
    log("pass 1: %d functions under kernel_wait4" % len(fns))
    probes = _instruction_probes(fns, os.path.join(base, "functions", "kallsyms"))
    extra = os.path.join(base, "probes")
    shutil.rmtree(extra, ignore_errors=True)
    os.makedirs(os.path.join(extra, "etc", "oopsim"))
    with open(os.path.join(extra, "etc", "oopsim", "reap-probes.txt"), "w") as f:
        for i, p in enumerate(probes):
            f.write("p:oopsim_reap/r%d %s\n" % (i, p))
    cpio = subprocess.run("find etc | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1",
                          shell=True, cwd=extra, check=True, capture_output=True).stdout
    initrd = os.path.join(base, "initrd-probes.cpio.gz")
    with open(initrd, "wb") as f, open(cfg["initrd"], "rb") as src:
        f.write(src.read())
        f.write(cpio)  # concatenated cpio archives: the kernel unpacks both
    # Thousands of armed kprobes on hot functions (locks, slab, RCU) trap whatever runs: the
    # second pass boots without the workloads, so that only the victims and the reaper run.
    a.workloads = "none"
    cfg, lines2 = _reap_boot(a, os.path.join(base, "instructions"), initrd)
    placed = [t.strip() for k, t in lines2 if k == "PROBES"]
    ats = sorted({t.strip() for k, t in lines2 if k == "AT"})
    seen = {x.split("+")[0] for x in ats}
    coarse = [fn for fn in fns if fn not in seen]
    log("pass 2: %d instructions probed, kprobes %s; %d instructions run, %d functions kept whole"
        % (len(probes), placed[0] if placed else "?", len(ats), len(coarse)))
    with open(a.out, "w") as f:
        f.write("# The reap path: what a parent runs in the kernel when it waits for and reaps a killed\n"
                "# child (kernel_wait4, release_task, the flush of the child's /proc dentries); the\n"
                "# sleep in schedule, preemption, interrupts and softirqs excluded. One per line:\n"
                "# function+0xoffset, an instruction the reaper ran (a kprobe on each instruction of\n"
                "# the functions ftrace's function_graph tracer saw it call), or a bare function name:\n"
                "# called, but its instructions could not be probed (taken as run whole).\n"
                "# Measured on %s by traces/vm/measure_reappath.sh (guest/reappath.sh),\n"
                "# %d functions, kprobes %s; victims: %s.\n"
                % (" ".join(cfg["kernel_package"]), len(fns), placed[0] if placed else "?",
                   "; ".join(victims)))
        for fn in coarse:
            f.write(fn + "\n")
        for at in ats:
            f.write(at + "\n")
    log("%d instructions and %d whole functions -> %s" % (len(ats), len(coarse), a.out))


def cmd_modreload_report(a):
    with open(os.path.join(a.dir, "modreload.json")) as f:
        print_modreload(json.load(f))
