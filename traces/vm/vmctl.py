#!/usr/bin/env python3
"""oopsim VM control (python3 stdlib only).

Subcommands:
  boot   DIR   boot a fresh guest (overlays over the base images), wait for the
               workloads, run for --seconds, quit.  DIR gets console.log,
               trace.txt, meta.log, kallsyms, timing.json.
  save   DIR   boot a guest, wait for steady state, QMP stop + migrate to
               "exec:zstd -q -1 > DIR/vmstate.zst", quit.  DIR/{ext4,vfat,usb}.qcow2
               are the frozen disk overlays matching the RAM state.
  run    STATE RUNDIR   restore STATE into a new QEMU (-incoming ... -S) with
               fresh qcow2 overlays over STATE's frozen overlays, optionally
               inject a fault through the gdb stub, cont, run for --seconds.
  modtext STATE        STATE/modtext: the live text of the guest's loaded modules
  stats  RUNDIR        event counts / rates of RUNDIR/trace.txt
  measure DIR   fresh boot with oopsim.measure=modreload: the guest times
               module "subsystem restarts" (guest/modreload.sh), the host stamps
               the MODRELOAD lines; DIR/modreload.json + a table on stdout.
boot/save --recover: boot the recover initramfs (initramfs-recover.cpio.gz, made by
setup.sh --recover) with oopsim.recover=1: oopsim_recover.ko loaded (disarmed) and
oopsim-recoverd running.  save copies the kernel and initramfs it booted into DIR
(DIR/vmlinuz, DIR/initrd.cpio.gz, sha256 in config.json): every restore of DIR boots
exactly those.  run --policy NAME arms a recovery policy through the gdb stub before
the restored guest continues (recover/README in traces/vm/README.md).
QEMU runs with TCG (single thread), -nic none, QMP and gdb stub on unix
sockets inside the run directory (never TCP).
"""
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


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vm_base import *  # noqa: E402,F401,F403
from vm_base import _PROCS, _SOCKDIRS  # noqa: E402
from vm_inject import *  # noqa: E402,F401,F403
from vm_measure import *  # noqa: E402,F401,F403
from vm_modtext import dump_from_state, dump_module_text, modtext_current  # noqa: E402
from vm_plugin import plugin_args  # noqa: E402
from vm_qemu import *  # noqa: E402,F401,F403
from vm_remote import *  # noqa: E402,F401,F403


def cmd_boot(a):
    cfg = default_cfg(a)
    d = os.path.abspath(a.dir)
    proc, qmp, timing = boot_until_steady(cfg, d, a.steady, a.timeout)
    time.sleep(a.seconds)
    timing["ran_s"] = a.seconds
    timing["guest_uptime_s"] = guest_seconds(read(os.path.join(d, "console.log")))
    quit_qemu(proc, qmp)
    timing.update(file_sizes(d))
    write_json(os.path.join(d, "timing.json"), timing)
    write_json(os.path.join(d, "config.json"), cfg)
    log("done: %s" % json.dumps(timing))


def file_sizes(d):
    out = {}
    for f in ("console.log", "trace.txt", "meta.log", "kallsyms", "vmstate.zst",
              "ext4.qcow2", "vfat.qcow2", "usb.qcow2"):
        p = os.path.join(d, f)
        if os.path.exists(p):
            out["size_" + f] = os.path.getsize(p)
    return out


def cmd_save(a):
    cfg = default_cfg(a)
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    pin_boot_files(cfg, d)
    proc, qmp, timing = boot_until_steady(cfg, d, a.steady, a.timeout)
    time.sleep(a.settle)
    # No trace backlog in the state (a restored run would stream it first and fall behind): the
    # guest stops recording until its buffer is streamed, then records again just before the save.
    waited, caught_up, how = drain_trace(d, proc, 120)
    if not caught_up:
        raise RuntimeError("save: the guest's trace did not drain in %.0f s (%s)" % (waited, how))
    size = os.path.getsize(os.path.join(d, "trace.txt"))
    trace_mailbox(d, os.path.join(d, "kallsyms"), "oopsim-trace-on")
    t_on = time.time()
    while os.path.getsize(os.path.join(d, "trace.txt")) == size and time.time() - t_on < 10:
        time.sleep(0.05)  # recording again: new events come after the marker
    timing.update({"trace_drain_s": waited, "trace_on_again_s": round(time.time() - t_on, 2)})
    cfg["trace_mailbox"] = True
    st = os.path.join(d, "vmstate.zst")
    if os.path.exists(st):
        os.unlink(st)
    t0 = time.time()
    qmp.cmd("stop")
    t_stop = time.time()
    qmp.cmd("migrate-set-parameters", **{"max-bandwidth": 100 * 1024**3, "downtime-limit": 100000})
    qmp.cmd("migrate", uri="exec:zstd -q -1 > %s" % shlex.quote(st))
    while True:
        r = qmp.cmd("query-migrate")
        if r.get("status") == "completed":
            break
        if r.get("status") in ("failed", "cancelled"):
            raise RuntimeError("migration %s: %s" % (r.get("status"), r))
        time.sleep(0.05)
    t_done = time.time()
    timing.update({"stop_s": round(t_stop - t0, 3), "migrate_s": round(t_done - t_stop, 3),
                   "migrate_stats": r.get("ram", {}), "migrate_total_time_ms": r.get("total-time")})
    guest_up = guest_seconds(read(os.path.join(d, "console.log")))
    timing["guest_uptime_at_save_s"] = guest_up
    # The guest is stopped as saved: its modules' live text is what a restore runs.
    g = GdbRemote(sock_path(d, "gdb.sock"))
    g.req("?")
    timing["modtext_bytes"] = sum(dump_module_text(g, os.path.join(d, "kallsyms"),
                                                   os.path.join(d, "modtext")).values())
    g.s.close()
    quit_qemu(proc, qmp)
    timing.update(file_sizes(d))
    cfg["saved_progress_pids"] = progress_pids(read(os.path.join(d, "console.log")))
    if cfg.get("recover"):
        try:
            cfg["recover_mode_addr"] = "%#x" % kallsyms_lookup(os.path.join(d, "kallsyms"), RECOVER_MODE_SYM)
        except KeyError:
            raise RuntimeError("recover state: %s not in %s/kallsyms" % (RECOVER_MODE_SYM, d))
    write_json(os.path.join(d, "config.json"), cfg)
    write_json(os.path.join(d, "timing.json"), timing)
    # freeze the disk overlays: they now belong to the saved RAM state
    for name, _, _ in DISKS:
        os.chmod(os.path.join(d, name + ".qcow2"), 0o444)
    log("saved %s: %s" % (st, json.dumps(timing)))


def cmd_run(a):
    sdir = os.path.abspath(a.state)
    d = os.path.abspath(a.rundir)
    with open(os.path.join(sdir, "config.json")) as f:
        cfg = json.load(f)
    report = {"state": sdir}
    policy = None
    if a.policy:  # checked before anything starts
        policy = plan_policy(a.policy, os.path.join(sdir, "kallsyms"))
    check_boot_files(cfg, report)
    fresh_dir(d)
    make_overlays(d, backing_dir=sdir)
    shutil.copy(os.path.join(sdir, "kallsyms"), os.path.join(d, "kallsyms"))
    st = os.path.join(sdir, "vmstate.zst")
    # The plugin (when setup built it) records the site's runs, the memory record from its first
    # run and the CPU at each oops exactly; without it, --watch samples the site with a
    # breakpoint. An injected run's site is its patch's first address.
    site = a.watch or (a.patch.split(":")[0] if a.patch else None)
    plugin = plugin_args(d, os.path.join(d, "kallsyms"), int(site, 16) if site else None,
                         coverage=a.coverage)
    if a.coverage and not plugin:
        raise SystemExit("vmctl: --coverage needs the QEMU plugin (traces/vm/setup.sh builds it)")
    report["plugin"] = bool(plugin)
    t0 = time.time()
    proc = launch(cfg, d, incoming="exec:zstd -dcq %s" % shlex.quote(st), plugin=plugin)
    qmp = QMP(sock_path(d, "qmp.sock"))
    t_qmp = time.time()
    s = wait_restored(proc, qmp, d)
    t_rest = time.time()
    report.update({"restore_s": round(t_rest - t0, 3), "qemu_start_to_qmp_s": round(t_qmp - t0, 3),
                   "status_after_restore": s})
    log("restored in %.2f s (status %s)" % (t_rest - t0, s))
    # The disks of an incoming migration stay inactive until QMP `cont` (QEMU >= 8); a guest
    # resumed through the gdb stub instead (policy arming, text patches) would write to inactive
    # disks, and QEMU aborts ("!(bs->open_flags & BDRV_O_INACTIVE)"). Activate them now.
    try:
        qmp.cmd("blockdev-set-active", active=True)
        report["disks_activated"] = True
    except RuntimeError as e:  # QEMU < 10 has no such command (and activates them on restore)
        report["disks_activated"] = str(e)
    g = None
    if policy:  # the guest has not run since the restore
        g = GdbRemote(sock_path(d, "gdb.sock"))
        g.req("?")
        arm_policy(g, a.policy, policy[0], policy[1], report)
        if not a.patch:  # detaching resumes the guest; the cont below is then a no-op
            g.detach()
            g = None
    if a.patch:
        report["patch_spec"] = a.patch
        patch_text(d, a.patch, report, a.activation_wait or a.seconds, g)
        if a.activation_wait and not report["patch"]["activated"]:
            if CRASH_MARK.search(read(os.path.join(d, "console.log"))):
                # The breakpoint missed the mutated code's run (a run that began before the
                # breakpoint was armed, or a jump into the middle of the mutated bytes), but the
                # guest crashed: observed for the run's whole length like any crash.
                report["patch"]["activated_by"] = "the crash on the console"
            else:
                # The site did not run in time: the experiment ends here, not activated.
                report["stopped"] = "not activated within %g s" % a.activation_wait
                a.seconds = 0
    elif a.watch and plugin:
        report["watch"] = {"addr": a.watch, "by": "plugin"}
        qmp.cmd("cont")
    elif a.watch:
        t_w = time.time()
        watch_site(d, int(a.watch, 16), a.seconds, os.path.join(d, "kallsyms"), report, g)
        a.seconds = max(0.0, a.seconds - (time.time() - t_w))
    elif a.inject:
        report["inject_spec"] = a.inject
        # resume first, then let the guest run a bit before arming the breakpoint
        qmp.cmd("cont")
        time.sleep(a.inject_after)
        inject(d, a.inject, os.path.join(d, "kallsyms"), report, proc)
    else:
        qmp.cmd("cont")
    t_cont = time.time()
    report["cont_at_s"] = round(t_cont - t0, 3)
    end = t_cont + a.seconds
    quiet_check = t_cont + a.stop_quiet if a.stop_quiet and a.stop_quiet < a.seconds else None
    while time.time() < end and proc.poll() is None:
        time.sleep(0.05)
        if quiet_check is not None and time.time() >= quiet_check:
            quiet_check = None
            if not CRASH_MARK.search(read(os.path.join(d, "console.log"))):
                report["stopped"] = "no crash within %g s" % a.stop_quiet
                break
    report["ran_s"] = round(time.time() - t_cont, 2)
    no_crash = a.drain_crashes_only and not CRASH_MARK.search(read(os.path.join(d, "console.log")))
    if no_crash:
        report["trace_drain"] = "skipped: no crash on the console (--drain-crashes-only)"
    if "stopped" not in report and proc.poll() is None and a.drain > 0 and not no_crash:
        # A run someone reads: its trace up to the run's end (drain_trace).
        waited, caught_up, how = drain_trace(d, proc, a.drain, mailbox=cfg.get("trace_mailbox", False))
        report.update({"trace_drain_s": waited, "trace_caught_up": caught_up, "trace_drain": how})
    report["qemu_exited_early"] = proc.poll() is not None
    if proc.poll() is not None and proc.returncode < 0:
        # Not the guest's doing (a panic with -no-reboot exits 0): something killed QEMU.
        raise SystemExit("vmctl: QEMU (pid %d) was killed by signal %d %.1f s into the run: the run "
                         "is not an experiment" % (proc.pid, -proc.returncode, time.time() - t_cont))
    if proc.poll() is None:
        quit_qemu(proc, qmp)
    con = read(os.path.join(d, "console.log"))
    report["guest_uptime_end_s"] = guest_seconds(con)
    report["progress_pids_run"] = progress_pids(con)
    report["progress_pids_saved"] = cfg.get("saved_progress_pids")
    report["oops"] = bool(re.search(r"Oops|BUG:|Kernel panic", con))
    rec = [ln for ln in con.splitlines() if "oopsim-recover:" in ln]
    if rec or policy:
        report["recover_console"] = rec[:200]
    report.update(file_sizes(d))
    if "stopped" not in report:  # a run ended early is not read by anyone: not counted
        report.update(trace_stats(os.path.join(d, "trace.txt")))
    write_json(os.path.join(d, "timing.json"), report)
    log("run done: %s" % d)
    print(json.dumps({k: v for k, v in report.items() if k != "events"}, indent=1))


# What the console shows of a crash or a detector's report (die()'s "[#N]" covers oopses, general
# protection faults, invalid opcodes, divide errors): a run showing none may stop early.
CRASH_MARK = re.compile(r"\[#\d+\]|Oops|BUG:|Kernel panic|stack-protector|soft lockup|"
                        r"blocked for more than|rcu_.*stall")


TRACE_RE = re.compile(r"^\s*(.+?)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d+):\s+([\w:]+?):")


LOST_RE = re.compile(r"\[LOST (\d+) EVENTS\]")


def trace_stats(path):
    cnt = {}
    first = last = None
    n = 0
    nbytes = 0
    lost = 0
    with open(path, "rb") as f:
        for raw in f:
            nbytes += len(raw)
            line = raw.decode("utf-8", "replace")
            m = TRACE_RE.match(line)
            if not m:
                ml = LOST_RE.search(line)
                if ml:
                    lost += int(ml.group(1))
                continue
            t = float(m.group(5))
            if first is None:
                first = t
            last = t
            ev = m.group(6)
            cnt[ev] = cnt.get(ev, 0) + 1
            n += 1
    span = (last - first) if first is not None else 0
    return {"trace_events": n, "trace_bytes": nbytes, "trace_guest_span_s": round(span, 3),
            "trace_events_per_guest_s": round(n / span) if span else None,
            "trace_lost_events": lost,
            "trace_bytes_per_guest_s": round(nbytes / span) if span else None,
            "events": dict(sorted(cnt.items(), key=lambda x: -x[1]))}


def load_syms(path):
    syms = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[1] in "tTwW":
                syms.append((int(p[0], 16), p[2] + (" " + p[3] if len(p) > 3 else "")))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def cmd_state_current(a):
    """Exit 0 when STATE was saved from the boot files the cache holds now (the kernel and the
    initramfs setup.sh builds from the current guest sources); 1, saying which changed, when it is
    stale: restoring it runs the guest code it was saved with, not the current one."""
    try:
        with open(os.path.join(a.state, "config.json")) as f:
            bf = json.load(f).get("boot_files") or {}
    except (OSError, ValueError) as e:
        raise SystemExit("vmctl: %s: no readable config.json (%s)" % (a.state, e))
    if not bf:
        print("%s: stale (saved before boot files were recorded)" % a.state)
        sys.exit(1)
    changed = [key for key, meta in sorted(bf.items())
               if not os.path.exists(meta["copied_from"]) or sha256_file(meta["copied_from"]) != meta["sha256"]]
    if changed:
        print("%s: stale (the cache's %s changed since it was saved)" % (a.state, " and ".join(changed)))
        sys.exit(1)
    with open(os.path.join(a.state, "config.json")) as f:
        saved_by = json.load(f).get("qemu_version")
    if saved_by != qemu_version():
        print("%s: stale (saved by %s, this is %s)" % (a.state, saved_by or "an unrecorded QEMU",
                                                      qemu_version()))
        sys.exit(1)
    print("%s: current" % a.state)


def cmd_modtext(a):
    state = os.path.abspath(a.state)
    if modtext_current(state) and not a.force:
        log("%s/modtext is current" % state)
        return
    with open(os.path.join(state, "config.json")) as f:
        cfg = json.load(f)
    dump_from_state(cfg, state, os.path.join(state, "modtext-run"))
    shutil.rmtree(os.path.join(state, "modtext-run"), ignore_errors=True)


def cmd_symbolize(a):
    """trace.txt -> trace.sym.txt with caller=0x... replaced by caller=sym+off [mod]."""
    import bisect
    addrs, names = load_syms(os.path.join(a.rundir, "kallsyms"))

    def sub(m):
        v = int(m.group(1), 16)
        i = bisect.bisect_right(addrs, v) - 1
        if i < 0:
            return m.group(0)
        return "caller=%s+%#x" % (names[i].replace(" ", ""), v - addrs[i])
    rx = re.compile(r"caller=0x([0-9a-f]+)")
    out = os.path.join(a.rundir, "trace.sym.txt")
    with open(os.path.join(a.rundir, "trace.txt"), errors="replace") as fi, open(out, "w") as fo:
        for line in fi:
            fo.write(rx.sub(sub, line))
    log("wrote %s" % out)


def cmd_stats(a):
    s = trace_stats(os.path.join(a.rundir, "trace.txt"))
    print(json.dumps(s, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--smp", type=int, default=int(os.environ.get("OOPSIM_SMP", 2)))
        p.add_argument("--mem", type=int, default=int(os.environ.get("OOPSIM_MEM", 512)))
        p.add_argument("--workloads", default=os.environ.get("OOPSIM_WORKLOADS", ALL_WORKLOADS))
        p.add_argument("--append", default=os.environ.get("OOPSIM_APPEND", ""),
                       help="extra kernel cmdline, e.g. oopsim.lockpids=workloads")
        p.add_argument("--steady", type=int, default=3, help="PROGRESS lines per workload")
        p.add_argument("--recover", action="store_true",
                       help="boot initramfs-recover.cpio.gz with oopsim.recover=1 (setup.sh --recover)")
        p.add_argument("--timeout", type=float, default=600)
    p = sub.add_parser("boot")
    p.add_argument("dir")
    p.add_argument("--seconds", type=float, default=20)
    common(p)
    p.set_defaults(fn=_cleanup_on_error(cmd_boot))
    p = sub.add_parser("save")
    p.add_argument("dir")
    p.add_argument("--settle", type=float, default=5, help="extra seconds after steady state")
    common(p)
    p.set_defaults(fn=_cleanup_on_error(cmd_save))
    p = sub.add_parser("run")
    p.add_argument("state")
    p.add_argument("rundir")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--activation-wait", type=float, default=0,
                   help="with --patch: end the run when the site has not run within this many "
                        "seconds (0: wait --seconds, then run --seconds more)")
    p.add_argument("--stop-quiet", type=float, default=0,
                   help="end the run this many seconds after it continues (after activation, with "
                        "--patch) when the console shows no crash by then (0: run --seconds)")
    p.add_argument("--drain", type=float, default=float(os.environ.get("OOPSIM_TRACE_DRAIN", 30)),
                   help="after --seconds, keep the guest running up to this many seconds more "
                        "until the streamed trace has caught up with the console (0: stop at once)")
    p.add_argument("--drain-crashes-only", action="store_true",
                   help="no drain for a run whose console shows no crash (a campaign imports "
                        "only crashes)")
    p.add_argument("--inject", help="SYMBOL:REG=VALUE, e.g. __x64_sys_newuname:rdi=0")
    p.add_argument("--inject-after", type=float, default=2)
    p.add_argument("--patch", help="ADDR:BEFORE:AFTER[;...] hex: mutate kernel text at restore (checked)")
    p.add_argument("--watch", help="ADDR (hex): record who runs the kernel instruction there (site-hits.txt)")
    p.add_argument("--coverage", action="store_true",
                   help="record every kernel instruction the run executes (coverage.txt; the QEMU plugin)")
    p.add_argument("--policy", choices=POLICIES,
                   help="arm a recovery policy before the guest continues (lock-release and "
                        "subsystem-restart need a state saved with --recover)")
    p.set_defaults(fn=_cleanup_on_error(cmd_run))
    p = sub.add_parser("measure", help="boot with oopsim.measure=modreload, collect MODRELOAD lines")
    p.add_argument("dir")
    p.add_argument("--n", type=int, default=7, help="restarts per module set")
    p.add_argument("--mods", default="vfat,snd-dummy,snd-aloop,usb-storage")
    p.add_argument("--gap-ms", type=int, default=1000)
    p.add_argument("--trace", type=int, default=0, help="oopsim.trace (default 0: no lock tracing)")
    p.add_argument("--after", type=float, default=4, help="seconds to run after MODRELOAD-DONE")
    common(p)
    p.set_defaults(fn=_cleanup_on_error(cmd_measure))
    p = sub.add_parser("measure-reap", help="boot with oopsim.measure=reappath, write the reap-path table")
    p.add_argument("dir")
    p.add_argument("--n", type=int, default=7, help="victims to kill and reap")
    p.add_argument("--out", required=True, help="the table to write (models/reap_path.txt)")
    common(p)
    p.set_defaults(fn=_cleanup_on_error(cmd_measure_reap))
    p = sub.add_parser("modreload-report")
    p.add_argument("dir")
    p.set_defaults(fn=cmd_modreload_report)
    p = sub.add_parser("state-current", help="exit 0 when STATE was saved from the cache's current "
                       "kernel and initramfs, 1 when it is stale")
    p.add_argument("state")
    p.set_defaults(fn=cmd_state_current)
    p = sub.add_parser("modtext", help="write STATE/modtext: the live text of the guest's modules "
                       "(a restore of STATE that never runs), unless it is current")
    p.add_argument("state")
    p.add_argument("--force", action="store_true")
    p.set_defaults(fn=_cleanup_on_error(cmd_modtext))
    p = sub.add_parser("symbolize")
    p.add_argument("rundir")
    p.set_defaults(fn=cmd_symbolize)
    p = sub.add_parser("stats")
    p.add_argument("rundir")
    p.set_defaults(fn=cmd_stats)
    a = ap.parse_args()
    a.fn(a)


def _cleanup_on_error(fn):
    """Never leave a QEMU behind when a command fails."""
    def wrapped(a):
        try:
            fn(a)
        except (OSError, EOFError, RuntimeError, ValueError) as e:
            # A QEMU that something else killed breaks whatever talked to it (QMP, the gdb stub):
            # say that, not the broken pipe.
            dead = [p for p in _PROCS if p.poll() is not None and p.returncode < 0]
            if dead:
                raise SystemExit("vmctl: QEMU (pid %d) was killed by signal %d during %s (%s: %s): "
                                 "the run is not an experiment"
                                 % (dead[0].pid, -dead[0].returncode, a.cmd, type(e).__name__, e))
            raise
        finally:
            for p in list(_PROCS):
                if p.poll() is None:
                    log("killing qemu pid %d" % p.pid)
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
            for sub in _SOCKDIRS:  # no QEMU of ours outlives this process
                shutil.rmtree(sub, ignore_errors=True)
    return wrapped


if __name__ == "__main__":
    main()
