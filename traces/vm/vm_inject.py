"""What a run does to the restored guest through the gdb stub: inject a register fault at a
symbol, arm a recovery policy (by name: recover/policy_ids.txt), patch kernel text, watch who
runs an instruction (site-hits.txt, traces/import/site_hits.h)."""
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
from kernel_layout import PERCPU_SYMBOLS, layout, percpu_offsets


def inject(d, spec, kallsyms, report, proc):
    """spec: SYMBOL:REG=VALUE  -> hbreak at SYMBOL, on hit set REG, remove bp, detach."""
    sym, assign = spec.split(":", 1)
    reg, val = assign.split("=", 1)
    addr = kallsyms_lookup(kallsyms, sym)
    g = GdbRemote(sock_path(d, "gdb.sock"))
    report["inject"] = {"symbol": sym, "addr": "%#x" % addr, "reg": reg, "value": val}
    stop = g.req("?")
    banner_addr = kallsyms_lookup(kallsyms, "linux_banner")
    report["inject"]["linux_banner_via_gdb"] = g.read_mem(banner_addr, 48).split(b"\0")[0].decode()
    # memory write demo: the guest hostname lives at init_uts_ns+65 (new_utsname.nodename)
    uts = kallsyms_lookup(kallsyms, "init_uts_ns")
    old = g.read_mem(uts + 65, 16).split(b"\0")[0].decode()
    g.write_mem(uts + 65, b"oopsim-gdb\0")
    report["inject"]["nodename_before"] = old
    report["inject"]["nodename_after"] = g.read_mem(uts + 65, 16).split(b"\0")[0].decode()
    r = g.req("Z1,%x,1" % addr)
    if r != "OK":
        raise RuntimeError("Z1 failed: %r" % r)
    t0 = time.time()
    g.send("c")
    hit = g.recv(timeout=120)
    regs = g.regs()
    report["inject"]["stop_reply"] = hit
    report["inject"]["hit_after_s"] = round(time.time() - t0, 3)
    report["inject"]["rip"] = "%#x" % regs["rip"]
    report["inject"]["old_" + reg] = "%#x" % regs[reg]
    g.set_reg(reg, int(val, 0))
    report["inject"]["new_" + reg] = "%#x" % g.regs()[reg]
    g.req("z1,%x,1" % addr)
    g.detach()
    log("injected %s at %s (hit after %.2fs): %s %s -> %s" % (
        sym, report["inject"]["rip"], report["inject"]["hit_after_s"], reg,
        report["inject"]["old_" + reg], val))
    return stop


def read_policy_ids(path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "recover", "policy_ids.txt")):
    """{name: id} of the live-recovery module's policies: recover/policy_ids.txt, the one list the
    module's ids are made from (recover/gen_headers.sh)."""
    ids = {}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words:
                ids[words[1]] = int(words[0])
    return ids


POLICY_IDS = read_policy_ids()
POLICIES = tuple(sorted(POLICY_IDS, key=POLICY_IDS.get))
RECOVER_MODE_SYM = "oopsim_recover_mode"   # int in oopsim_recover.ko (recover/recover_main.c)


def plan_policy(name, kallsyms):
    """-> (writes, has_module): the 4-byte writes (symbol, address, expected old value, new value)
    that arm policy NAME in a guest restored from a state with this kallsyms. Refuses (SystemExit)
    when the policy needs oopsim_recover.ko and the state was saved without it."""
    if name not in POLICIES:
        raise SystemExit("vmctl: unknown --policy %r (one of %s)" % (name, ", ".join(POLICIES)))
    try:
        mode_addr = kallsyms_lookup(kallsyms, RECOVER_MODE_SYM)
    except KeyError:
        mode_addr = None
    if name in ("lock-release", "subsystem-restart") and mode_addr is None:
        raise SystemExit("vmctl: --policy %s needs the oopsim_recover module, and this state has no %s in "
                         "its kallsyms: save one with `traces/vm/save.sh DIR --recover`" % (name, RECOVER_MODE_SYM))
    writes = []
    if mode_addr is not None:
        writes.append((RECOVER_MODE_SYM, mode_addr, 0, POLICY_IDS[name]))
    # panic_on_oops=0 is checked for every policy (the guest's /init sets it); panic writes 1
    writes.append(("panic_on_oops", kallsyms_lookup(kallsyms, "panic_on_oops"), 0,
                   1 if name == "panic" else 0))
    return writes, mode_addr is not None


def arm_policy(g, name, writes, has_module, report):
    """Through an open gdb connection (guest stopped): check each variable holds the expected old
    value (else refuse), write the new one, read it back."""
    rep = {"name": name, "module": has_module, "armed": False, "writes": []}
    report["policy"] = rep
    for sym, addr, old, new in writes:
        live = int.from_bytes(g.read_mem(addr, 4), "little", signed=True)
        w = {"sym": sym, "addr": "%#x" % addr, "old": live, "new": new}
        rep["writes"].append(w)
        if live != old:
            rep["refused"] = "%s at %#x is %d, not %d" % (sym, addr, live, old)
            g.send("D")
            raise SystemExit("vmctl: refusing to arm --policy %s: %s" % (name, rep["refused"]))
    for sym, addr, old, new in writes:
        if new != old:
            g.write_mem(addr, new.to_bytes(4, "little", signed=True))
        back = int.from_bytes(g.read_mem(addr, 4), "little", signed=True)
        if back != new:
            raise RuntimeError("write of %s at %#x did not stick (%d)" % (sym, addr, back))
    rep["armed"] = True
    log("policy %s armed: %s" % (name, ", ".join("%s=%d" % (w["sym"], w["new"]) for w in rep["writes"])))


def patch_text(d, spec, report, seconds, g=None):
    """spec: ADDR:BEFORE:AFTER[;ADDR:BEFORE:AFTER...] (hex). The guest is paused. Checks that the
    kernel text holds BEFORE at each ADDR (else refuses), writes AFTER, arms a hardware breakpoint
    on the first ADDR and resumes; the mutation counts as activated when the breakpoint is hit
    within `seconds`. Returns after the hit (or the timeout) with the guest running.
    g: an open gdb connection to reuse (the guest stays stopped in between)."""
    edits = []
    for part in spec.split(";"):
        addr, before, after = part.split(":")
        edits.append((int(addr, 16), bytes.fromhex(before), bytes.fromhex(after)))
    if g is None:
        g = GdbRemote(sock_path(d, "gdb.sock"))
        g.req("?")
    report["patch"] = {"edits": [{"addr": "%#x" % a, "before": b.hex(), "after": c.hex()} for a, b, c in edits]}
    for addr, before, after in edits:
        live = g.read_mem(addr, len(before))
        if live != before:
            report["patch"]["refused"] = "kernel text at %#x is %s, not the recorded %s" % (addr, live.hex(), before.hex())
            g.send("D")
            raise SystemExit("vmctl: refusing to inject: " + report["patch"]["refused"])
    for addr, before, after in edits:
        g.write_mem(addr, after)
        if g.read_mem(addr, len(after)) != after:
            raise RuntimeError("write to kernel text at %#x did not stick" % addr)
    first = edits[0][0]
    r = g.req("Z1,%x,1" % first)
    if r != "OK":
        raise RuntimeError("Z1 failed: %r" % r)
    t0 = time.time()
    g.send("c")
    hit = None
    try:
        hit = g.recv(timeout=seconds)
    except Exception:
        hit = None
    if hit is None:
        g.s.sendall(b"\x03")  # interrupt: the site was not reached in time
        try:
            g.recv(timeout=5)
        except Exception:
            pass
    report["patch"]["activated"] = hit is not None
    report["patch"]["activated_after_s"] = round(time.time() - t0, 3) if hit is not None else None
    g.req("z1,%x,1" % first)
    g.detach()
    log("text patched at %#x: %s (activated: %s)" % (first, edits[0][2].hex(), report["patch"]["activated"]))




def watch_site(d, addr, seconds, kallsyms, report, g=None):
    """Breakpoint on the kernel instruction at ADDR for the whole run: each hit records the guest's
    jiffies, the CPU, the interrupted or running task (pid, comm) and the CPU's preempt count (so
    a hit in a hard or soft interrupt is told apart from the task it interrupted). Writes
    site-hits.txt in the run folder; the guest is paused on entry and left running.
    A site hit again within 5 ms is re-armed only 20 ms later (a hot site is sampled, not
    stopped on thousands of times a second)."""
    syms = {}
    with open(kallsyms) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[2] in ("__per_cpu_offset", "jiffies", "init_task") + PERCPU_SYMBOLS:
                syms[p[2]] = int(p[0], 16)
    if g is None:
        g = GdbRemote(sock_path(d, "gdb.sock"))
        g.req("?")
    lay = layout()  # task_struct's offsets, from the kernel's BTF
    syms.update(percpu_offsets(syms, lay))  # current_task and preempt_count, where they are
    comm0 = g.read_mem(syms["init_task"] + lay["task_comm"], 16).split(b"\0")[0]
    if comm0 != b"swapper/0":
        raise RuntimeError("task_struct layout does not match this kernel (init_task comm %r)" % comm0)
    pcpu = [int.from_bytes(g.read_mem(syms["__per_cpu_offset"] + 8 * c, 8), "little") for c in range(8)]
    r = g.req("Z1,%x,1" % addr)
    if r != "OK":
        raise RuntimeError("Z1 failed: %r" % r)
    hits = []
    armed = True
    t_end = time.time() + seconds
    last_hit = 0.0
    rearm_at = None
    g.send("c")
    while time.time() < t_end:
        timeout = 0.2 if rearm_at is None else max(0.0, min(0.2, rearm_at - time.time()))
        try:
            stop = g.recv(timeout=timeout)
        except Exception:
            stop = None
        if stop is None:
            if rearm_at is not None and time.time() >= rearm_at:
                g.s.sendall(b"\x03")  # stop the guest to re-arm
                g.recv(timeout=5)
                g.req("Z1,%x,1" % addr)
                armed, rearm_at = True, None
                g.send("c")
            continue
        m = re.search(r"thread:([0-9a-f]+)", stop)
        cpu = int(m.group(1), 16) - 1 if m else 0
        if armed:
            base = pcpu[cpu] if 0 <= cpu < len(pcpu) else 0
            task = int.from_bytes(g.read_mem(base + syms["current_task"], 8), "little")
            pid = int.from_bytes(g.read_mem(task + lay["task_pid"], 4), "little", signed=True)
            comm = g.read_mem(task + lay["task_comm"], 16).split(b"\0")[0].decode("utf-8", "replace")
            pc = int.from_bytes(g.read_mem(base + syms["preempt_count"], 4), "little")
            jif = int.from_bytes(g.read_mem(syms["jiffies"], 8), "little")
            hits.append((jif, cpu, pid, comm.replace(" ", "_") or "?", pc))
            now = time.time()
            if now - last_hit < 0.005:
                g.req("z1,%x,1" % addr)
                armed, rearm_at = False, now + 0.02
            last_hit = now
        g.send("c")
    g.s.sendall(b"\x03")
    try:
        g.recv(timeout=5)
    except Exception:
        pass
    if armed:
        g.req("z1,%x,1" % addr)
    g.detach()
    with open(os.path.join(d, "site-hits.txt"), "w") as f:
        f.write("# site %#x; jiffies (HZ=%d, INITIAL_JIFFIES=%d) cpu pid comm preempt_count\n"
                % (addr, lay["hz"], (1 << 32) - 300 * lay["hz"]))
        for h in hits:
            f.write("%d %d %d %s %#x\n" % h)
    report["watch"] = {"addr": "%#x" % addr, "hits": len(hits)}
    log("watched %#x: %d hits" % (addr, len(hits)))
