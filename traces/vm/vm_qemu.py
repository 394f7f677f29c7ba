"""Starting QEMU for a run: the kernel and command line, the disks and overlays, sockets in a
short private folder, waiting on the console for the workloads, kallsyms, boot files."""
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
from vm_base import _PROCS, _SOCKDIRS  # noqa: F401
from vm_remote import *  # noqa: F401,F403


def kernel_version():
    with open(os.path.join(CACHE, "kernel-version")) as f:
        return f.read().split()


def kernel_cmdline(cfg):
    c = ["console=ttyS0,115200", "nokaslr", "mitigations=off", "printk.devkmsg=on",
         "loglevel=7", "watchdog_thresh=2", "panic=-1", "tsc=unstable",
         "oopsim.workloads=" + cfg["workloads"]]
    c += cfg.get("extra_append", "").split()
    return " ".join(c)


def qemu_version():
    """The first line of `qemu-system-x86_64 --version` (states saved by one QEMU restore on it)."""
    out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0].strip() if out.stdout else "unknown"


def qemu_argv(cfg, d, incoming=None, plugin=None):
    """Same command line for boot/save and restore (only -incoming/-S and the plugin differ)."""
    a = ["qemu-system-x86_64", "-accel", "tcg,thread=single", "-machine", "pc",
         "-cpu", "qemu64", "-smp", str(cfg["smp"]), "-m", str(cfg["mem"]),
         "-nodefaults", "-no-user-config", "-display", "none", "-nic", "none", "-no-reboot",
         "-rtc", "base=utc,clock=vm",
         "-kernel", cfg["kernel"], "-initrd", cfg["initrd"], "-append", kernel_cmdline(cfg),
         "-chardev", "file,id=con,path=%s/console.log" % d, "-serial", "chardev:con",
         "-device", "virtio-serial-pci,id=vser",
         "-chardev", "file,id=trace,path=%s/trace.txt" % d,
         "-device", "virtserialport,bus=vser.0,chardev=trace,name=oopsim.trace",
         "-chardev", "file,id=meta,path=%s/meta.log" % d,
         "-device", "virtserialport,bus=vser.0,chardev=meta,name=oopsim.meta",
         "-device", "qemu-xhci,id=xhci"]
    for name, _, how in DISKS:
        a += ["-drive", "if=none,id=d%s,file=%s/%s.qcow2,format=qcow2,cache=unsafe" % (name, d, name)]
        if how == "virtio":
            a += ["-device", "virtio-blk-pci,drive=d%s,serial=oopsim-%s" % (name, name)]
        else:
            a += ["-device", "usb-storage,bus=xhci.0,drive=d%s,serial=oopsim%s" % (name, name)]
    a += ["-qmp", "unix:%s,server=on,wait=off" % sock_path(d, "qmp.sock"),
          "-gdb", "unix:%s,server=on,wait=off" % sock_path(d, "gdb.sock")]
    if incoming:
        a += ["-incoming", incoming, "-S"]
    if plugin:
        a += ["-plugin", ",".join(["file=" + plugin[0]] + plugin[1])]
    return a


def sock_path(d, name):
    """Where a run's QMP or gdb-stub socket lives. A Unix socket's path is limited to 107 bytes,
    and run folders can be deeper than that (a build folder under ~/.cache, a campaign's
    reruns/...), so the sockets live in a short private folder named after the run folder's
    absolute path: /tmp/oopsim-UID/HASH/NAME. The run folder holds a symlink of the same name,
    for gdb's `target remote RUNDIR/gdb.sock` when that path is short enough."""
    key = hashlib.sha256(os.path.abspath(d).encode()).hexdigest()[:16]
    base = os.path.join("/tmp", "oopsim-%d" % os.getuid())
    os.makedirs(base, mode=0o700, exist_ok=True)
    if os.stat(base).st_uid != os.getuid():
        raise RuntimeError("%s belongs to another user: refusing to put sockets there" % base)
    sub = os.path.join(base, key)
    os.makedirs(sub, mode=0o700, exist_ok=True)
    return os.path.join(sub, name)


def link_sockets(d):
    for name in ("qmp.sock", "gdb.sock"):
        link = os.path.join(d, name)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(sock_path(d, name), link)


def make_overlays(d, backing_dir=None):
    for name, img, _ in DISKS:
        if backing_dir:
            base, fmt = os.path.join(backing_dir, name + ".qcow2"), "qcow2"
        else:
            base, fmt = os.path.join(CACHE, "images", img), "raw"
        out = os.path.join(d, name + ".qcow2")
        if os.path.exists(out):
            os.unlink(out)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", fmt, out],
                       check=True)


def fresh_dir(d):
    os.makedirs(d, exist_ok=True)
    for f in ("console.log", "trace.txt", "meta.log", "qmp.sock", "gdb.sock", "kallsyms",
              "timing.json", "qemu.stderr"):
        p = os.path.join(d, f)
        if os.path.lexists(p):
            os.unlink(p)
    for name in ("qmp.sock", "gdb.sock"):
        if os.path.lexists(sock_path(d, name)):
            os.unlink(sock_path(d, name))


def launch(cfg, d, incoming=None, plugin=None):
    argv = qemu_argv(cfg, d, incoming, plugin)
    link_sockets(d)
    _SOCKDIRS.add(os.path.dirname(sock_path(d, "qmp.sock")))
    with open(os.path.join(d, "qemu.cmdline"), "w") as f:
        f.write(" ".join(shlex.quote(x) for x in argv) + "\n")
    err = open(os.path.join(d, "qemu.stderr"), "wb")
    # QEMU stays in our process group, so that whoever runs us (simcampaign) can take the whole
    # experiment down, QEMU included, by killing the group.
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    log("qemu pid %d (%s)" % (p.pid, d))
    _PROCS.append(p)
    return p


def wait_restored(proc, qmp, d):
    """Polls until the incoming migration of a restore is done; the run status then (paused).
    Raises when QEMU exits meanwhile."""
    while True:
        s = qmp.cmd("query-status")["status"]
        if s != "inmigrate":
            return s
        if proc.poll() is not None:
            raise RuntimeError("qemu exited during restore, see %s/qemu.stderr" % d)
        time.sleep(0.02)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


PROG_RE = re.compile(r"PROGRESS (\S+) (\d+) pid=(\d+)")


def wait_console(d, pred, timeout, proc=None, what="condition"):
    t0 = time.time()
    while time.time() - t0 < timeout:
        txt = read(os.path.join(d, "console.log"))
        r = pred(txt)
        if r:
            return r
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("qemu exited (%s) while waiting for %s; see %s/console.log"
                               % (proc.returncode, what, d))
        time.sleep(0.25)
    raise TimeoutError("timeout waiting for %s (%s)" % (what, d))


def steady(workloads, n):
    wl = workloads.split(",")

    def pred(txt):
        i = txt.find("OOPSIM READY")
        if i < 0:
            return None
        cnt = {w: 0 for w in wl}
        for m in PROG_RE.finditer(txt, i):
            if m.group(1) in cnt:
                cnt[m.group(1)] += 1
        return cnt if all(v >= n for v in cnt.values()) else None
    return pred


def quit_qemu(proc, qmp=None, timeout=20):
    try:
        if qmp is not None:
            qmp.cmd("quit")
    except Exception:
        pass
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def extract_kallsyms(d):
    meta = read(os.path.join(d, "meta.log"))
    i = meta.find("=== kallsyms\n")
    j = meta.find("=== end", i)
    if i < 0 or j < 0:
        return False
    with open(os.path.join(d, "kallsyms"), "w") as f:
        f.write(meta[i + len("=== kallsyms\n"):j])
    return True


def kallsyms_lookup(path, sym):
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[2] == sym:
                return int(p[0], 16)
    raise KeyError(sym)


def progress_pids(txt, start=0):
    pids = {}
    for m in PROG_RE.finditer(txt, start):
        pids.setdefault(m.group(1), set()).add(int(m.group(3)))
    return {k: sorted(v) for k, v in pids.items()}


def default_cfg(a):
    kv = kernel_version()
    cfg = {"kernel": os.path.join(CACHE, "vmlinuz"),
           "initrd": os.path.join(CACHE, "initramfs.cpio.gz"),
           "smp": a.smp, "mem": a.mem, "workloads": a.workloads,
           "extra_append": a.append, "kernel_package": kv}
    if getattr(a, "recover", False):
        cfg["initrd"] = os.path.join(CACHE, "initramfs-recover.cpio.gz")
        if not os.path.exists(cfg["initrd"]):
            raise SystemExit("vmctl: %s missing: run traces/vm/setup.sh --recover" % cfg["initrd"])
        cfg["extra_append"] = " ".join(["oopsim.recover=1"] + a.append.split())
        cfg["recover"] = True
    return cfg


def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def pin_boot_files(cfg, d):
    """Copy the kernel and the initramfs a state is booted with into the state directory and
    point cfg at the copies: a restore boots QEMU with the same -kernel/-initrd as the save even
    when setup.sh rebuilds the cache's initramfs later."""
    files = {}
    for key, name in (("kernel", "vmlinuz"), ("initrd", "initrd.cpio.gz")):
        dst = os.path.join(d, name)
        src = cfg[key]
        if os.path.abspath(src) != dst:
            shutil.copyfile(src, dst + ".tmp")
            os.replace(dst + ".tmp", dst)
        files[key] = {"path": dst, "copied_from": src, "size": os.path.getsize(dst),
                      "sha256": sha256_file(dst)}
        cfg[key] = dst
    cfg["boot_files"] = files
    cfg["qemu_version"] = qemu_version()


def check_boot_files(cfg, report):
    """Refuse to restore a state whose recorded boot files changed (states saved before
    boot_files was recorded are restored as they are, reported as unverified)."""
    bf = cfg.get("boot_files")
    if not bf:
        report["boot_files"] = "unverified: state saved before boot files were recorded"
        return
    for key, meta in bf.items():
        p = cfg[key]
        if not os.path.exists(p) or os.path.getsize(p) != meta["size"] or sha256_file(p) != meta["sha256"]:
            raise SystemExit("vmctl: refusing to restore: %s (%s) is not the file the state was saved "
                             "with (sha256 %s)" % (key, p, meta["sha256"]))
    report["boot_files"] = "verified"
    saved_by, now = cfg.get("qemu_version"), qemu_version()
    if saved_by != now:
        raise SystemExit("vmctl: refusing to restore: the state was saved by %s, this is %s (save it "
                         "again: traces/vm/save.sh)" % (saved_by or "an unrecorded QEMU", now))


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


# --------------------------------------------------------------------- commands
RECOVER_READY_RE = re.compile(r"OOPSIM RECOVER READY (.*)")


def boot_until_steady(cfg, d, steady_n, boot_timeout):
    fresh_dir(d)
    make_overlays(d)
    t0 = time.time()
    proc = launch(cfg, d)
    qmp = QMP(sock_path(d, "qmp.sock"))
    wait_console(d, lambda t: "OOPSIM READY" in t, boot_timeout, proc, "OOPSIM READY")
    t_ready = time.time() - t0
    log("guest READY after %.1f s" % t_ready)
    extra = {}
    if cfg.get("recover"):
        m = RECOVER_READY_RE.search(read(os.path.join(d, "console.log")))
        if not m or "module=loaded" not in m.group(1):
            raise RuntimeError("recover boot: no 'OOPSIM RECOVER READY module=loaded' line in %s/console.log" % d)
        extra["recover_ready"] = m.group(1).strip()
        log("recover: %s" % extra["recover_ready"])
    cnt = wait_console(d, steady(cfg["workloads"], steady_n), boot_timeout, proc,
                       "%d PROGRESS lines per workload" % steady_n)
    t_steady = time.time() - t0
    log("steady after %.1f s: %s" % (t_steady, cnt))
    wait_console(d, lambda t: extract_kallsyms(d), 30, proc, "kallsyms on meta port")
    extra.update({"boot_to_ready_s": round(t_ready, 2), "boot_to_steady_s": round(t_steady, 2)})
    return proc, qmp, extra


def guest_seconds(txt):
    ts = re.findall(r"^\[\s*(\d+\.\d+)\]", txt, re.M)
    return float(ts[-1]) if ts else None


CONSOLE_PROGRESS_RE = re.compile(r"^\[\s*\d+\.\d+\]\s+(PROGRESS \S+ \d+ pid=\d+.*?)\s*$", re.M)


class TraceMarkWatch:
    """Whether the streamed trace holds `text` as a trace-marker line, reading only what was
    appended since the last look."""

    def __init__(self, path, text):
        self.path, self.want, self.pos = path, ("tracing_mark_write: " + text).encode(), 0

    def seen(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(max(0, self.pos - len(self.want)))
                data = f.read()
        except FileNotFoundError:
            return False
        if self.want in data:
            return True
        self.pos = max(0, self.pos - len(self.want)) + len(data)
        return False


# The host's mailbox to the guest's trace watcher (guest/streamer.c, `retrace`): the kernel's
# domainname, written through the gdb stub. struct uts_namespace starts with struct new_utsname,
# six 65-byte strings: sysname ("Linux", checked first), ..., domainname.
UTS_LEN = 65
DOMAINNAME_AT = 5 * UTS_LEN


def trace_mailbox(d, kallsyms, command):
    """Writes `command` ("oopsim-trace-off" / "oopsim-trace-on") where the guest's watcher reads
    it within 50 ms. The guest stops while the gdb stub holds it (a few ms) and resumes."""
    at = kallsyms_lookup(kallsyms, "init_uts_ns")
    g = GdbRemote(sock_path(d, "gdb.sock"))
    try:
        g.req("?")
        if g.read_mem(at, 6) != b"Linux\0":
            raise RuntimeError("init_uts_ns at %#x does not start with 'Linux'" % at)
        g.write_mem(at + DOMAINNAME_AT, command.encode().ljust(UTS_LEN, b"\0"))
    finally:
        g.detach()


def drain_trace(d, proc, timeout, mailbox=True, stall=5.0):
    """Lets the guest stream what its trace buffer still holds, at most `timeout` seconds. The
    guest streams its ftrace buffer slower than a loaded host lets the workloads fill it (seen on a
    2-core machine: 9 k of 21 k events per guest second, one VM), so at a run's end the host has
    the trace only up to some earlier guest time (an 8 s golden run: its first 1.6 s, when two
    VMs ran), and while the guest goes on the workloads overwrite what is not streamed yet. With
    `mailbox` (a state whose guest serves it), the guest is told to put "OOPSIM TRACE END" into
    the trace and stop recording; the stream has everything once that marker is in it. Without
    it, the last progress line on the console (each workload writes it to the trace marker next)
    stands in for the marker, and the guest goes on recording. A stream that has not grown for
    `stall` seconds (a stuck guest) ends the wait. Returns (seconds waited, caught up, how)."""
    t0 = time.time()
    path = os.path.join(d, "trace.txt")
    want, how = None, "mailbox"
    if mailbox:
        try:
            trace_mailbox(d, os.path.join(d, "kallsyms"), "oopsim-trace-off")
            want = "OOPSIM TRACE END"
        except Exception as e:  # noqa: BLE001 - a guest that cannot be told still streams
            how = "no mailbox (%s)" % e
    if want is None:
        lines = CONSOLE_PROGRESS_RE.findall(read(os.path.join(d, "console.log")))
        if not lines:
            return 0.0, True, "no progress line"
        want = lines[-1]
        if how == "mailbox":  # not asked for: the progress line is the plan, not a fallback
            how = "last progress line"
    size, grew = -1, time.time()
    watch = TraceMarkWatch(path, want)
    while time.time() - t0 < timeout:
        if watch.seen():
            return round(time.time() - t0, 2), True, how
        if proc is not None and proc.poll() is not None:
            break
        now_size = os.path.getsize(path) if os.path.exists(path) else 0
        if now_size != size:
            size, grew = now_size, time.time()
        elif time.time() - grew > stall:
            how += ", the stream stalled"
            break
        time.sleep(0.1)
    return round(time.time() - t0, 2), watch.seen(), how
