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

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("OOPSIM_CACHE", os.path.join(REPO, ".cache", "vm"))
DISKS = [  # name, base image, how it is attached
    ("ext4", "ext4.img", "virtio"),
    ("vfat", "vfat.img", "virtio"),
    ("usb", "usb.img", "usb"),
]
ALL_WORKLOADS = "ext4,vfat,usb,tcp,audio,restartd"
_PROCS = []
_SOCKDIRS = set()  # socket folders of the QEMUs this process launched (removed at exit)


def log(*a):
    print("[vmctl %s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------- QMP
class QMPTimeout(SystemExit):
    """QEMU's monitor did not answer in time: QEMU hangs (or is stopped). vmctl exits with this
    message, and its cleanup kills the QEMU it started."""


class QMP:
    # Every answer within `answer_timeout` s (a migration to a file finishes well within it):
    # a QEMU that hangs is reported, never waited for forever.
    def __init__(self, path, timeout=30, answer_timeout=120):
        t0 = time.time()
        self.answer_timeout = answer_timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() - t0 > timeout:
                    raise
                time.sleep(0.05)
        self.s.settimeout(answer_timeout)
        self.f = self.s.makefile("rwb", buffering=0)
        self.events = []
        self.n = 0  # the last command's id
        self._readline("its greeting")
        self.cmd("qmp_capabilities")

    def _readline(self, what):
        try:
            return json.loads(self.f.readline() or b"null")
        except (socket.timeout, TimeoutError):
            raise QMPTimeout("vmctl: QEMU's monitor (QMP) did not answer %s within %d s: QEMU hangs"
                             % (what, self.answer_timeout))

    def cmd(self, name, **args):
        # Each command carries an id, and only the reply with that id answers it: a stray reply
        # cannot answer another command (in one CI run, query-status got a reply without its
        # "status"; the cause was not found).
        self.n += 1
        msg = {"execute": name, "id": self.n}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._readline("'%s'" % name)
            if r is None:
                raise EOFError("QMP closed")
            if "event" in r:
                self.events.append(r)
                continue
            if r.get("id") != self.n:
                continue
            if "error" in r:
                raise RuntimeError("QMP %s: %s" % (name, r["error"]))
            return r.get("return")

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


# --------------------------------------------------------------------- gdb remote protocol
class GdbRemote:
    """Minimal gdb remote serial protocol client (QEMU gdbstub, x86_64)."""
    REGS = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15", "rip"]

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.s.sendall(b"+")
        # QEMU only accepts 'P' (write one register) once the client has
        # fetched the target description, as gdb does.
        self.req("qSupported:xmlRegisters=i386")
        off = 0
        while True:
            r = self.req("qXfer:features:read:target.xml:%x,%x" % (off, 0xFFB))
            if not r or r[0] not in "lm":
                break
            off += len(r) - 1
            if r[0] == "l":
                break

    def _read(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("gdbstub closed")
        self.buf += d

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        pkt = b"$" + data + b"#%02x" % (sum(data) & 0xFF)
        self.s.sendall(pkt)
        while True:  # wait for ack
            while not self.buf:
                self._read()
            c, self.buf = self.buf[:1], self.buf[1:]
            if c == b"+":
                return
            if c == b"-":
                self.s.sendall(pkt)

    def recv(self, timeout=None):
        self.s.settimeout(timeout)
        try:
            while True:
                i = self.buf.find(b"$")
                if i >= 0:
                    j = self.buf.find(b"#", i)
                    if j >= 0 and len(self.buf) >= j + 3:
                        data = self.buf[i + 1:j]
                        self.buf = self.buf[j + 3:]
                        self.s.sendall(b"+")
                        return self._unrle(data).decode()
                self._read()
        finally:
            self.s.settimeout(None)

    @staticmethod
    def _unrle(d):
        out = bytearray()
        i = 0
        while i < len(d):
            if d[i:i + 1] == b"*" and out:
                out += out[-1:] * (d[i + 1] - 29)
                i += 2
            else:
                out.append(d[i])
                i += 1
        return bytes(out)

    def req(self, data, timeout=30):
        self.send(data)
        return self.recv(timeout)

    def regs(self):
        g = self.req("g")
        return {n: int.from_bytes(bytes.fromhex(g[16 * i:16 * i + 16]), "little")
                for i, n in enumerate(self.REGS)}

    def set_reg(self, name, value):
        idx = self.REGS.index(name)
        r = self.req("P%x=%s" % (idx, (value & (2**64 - 1)).to_bytes(8, "little").hex()))
        if r != "OK":
            raise RuntimeError("P failed: %r" % r)

    def detach(self):
        """Detach (the guest resumes) and close the connection."""
        self.send("D")
        try:
            self.recv(timeout=5)
        except Exception:
            pass
        self.s.close()

    def read_mem(self, addr, n):
        return bytes.fromhex(self.req("m%x,%x" % (addr, n)))

    def write_mem(self, addr, data):
        r = self.req("M%x,%x:%s" % (addr, len(data), data.hex()))
        if r != "OK":
            raise RuntimeError("M failed: %r" % r)


# --------------------------------------------------------------------- helpers
def kernel_version():
    with open(os.path.join(CACHE, "kernel-version")) as f:
        return f.read().split()


def kernel_cmdline(cfg):
    c = ["console=ttyS0,115200", "nokaslr", "mitigations=off", "printk.devkmsg=on",
         "loglevel=7", "watchdog_thresh=2", "panic=-1", "tsc=unstable",
         "oopsim.workloads=" + cfg["workloads"]]
    c += cfg.get("extra_append", "").split()
    return " ".join(c)


def qemu_argv(cfg, d, incoming=None):
    """Same command line for boot/save and restore (only -incoming/-S differ)."""
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


def launch(cfg, d, incoming=None):
    argv = qemu_argv(cfg, d, incoming)
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
RECOVER_MODE_SYM = "oopsim_recover_mode"   # int in oopsim_recover.ko (recover/oopsim_recover.c)


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


# task_struct layout of the guest kernel (Debian 6.1.0-56-amd64), from its BTF:
# `pahole -C task_struct --hex vmlinux` (vmlinux unpacked from the package's vmlinuz).
TASK_PID_OFF = 0x970
TASK_COMM_OFF = 0xBA0
HZ = 250  # CONFIG_HZ of the guest kernel


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
            if len(p) >= 3 and p[2] in ("current_task", "__per_cpu_offset", "jiffies",
                                        "__preempt_count", "init_task"):
                syms[p[2]] = int(p[0], 16)
    if g is None:
        g = GdbRemote(sock_path(d, "gdb.sock"))
        g.req("?")
    comm0 = g.read_mem(syms["init_task"] + TASK_COMM_OFF, 16).split(b"\0")[0]
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
            pid = int.from_bytes(g.read_mem(task + TASK_PID_OFF, 4), "little", signed=True)
            comm = g.read_mem(task + TASK_COMM_OFF, 16).split(b"\0")[0].decode("utf-8", "replace")
            pc = int.from_bytes(g.read_mem(base + syms["__preempt_count"], 4), "little")
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
                % (addr, HZ, (1 << 32) - 300 * HZ))
        for h in hits:
            f.write("%d %d %d %s %#x\n" % h)
    report["watch"] = {"addr": "%#x" % addr, "hits": len(hits)}
    log("watched %#x: %d hits" % (addr, len(hits)))


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
    t0 = time.time()
    proc = launch(cfg, d, incoming="exec:zstd -dcq %s" % shlex.quote(st))
    qmp = QMP(sock_path(d, "qmp.sock"))
    t_qmp = time.time()
    while True:
        s = qmp.cmd("query-status")["status"]
        if s not in ("inmigrate",):
            break
        if proc.poll() is not None:
            raise RuntimeError("qemu exited during restore, see %s/qemu.stderr" % d)
        time.sleep(0.02)
    t_rest = time.time()
    report.update({"restore_s": round(t_rest - t0, 3), "qemu_start_to_qmp_s": round(t_qmp - t0, 3),
                   "status_after_restore": s})
    log("restored in %.2f s (status %s)" % (t_rest - t0, s))
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
        patch_text(d, a.patch, report, a.seconds, g)
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
    while time.time() < end and proc.poll() is None:
        time.sleep(0.25)
    report["ran_s"] = round(time.time() - t_cont, 2)
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
    report["oops"] = bool(re.search(r"Oops|BUG:", con))
    rec = [ln for ln in con.splitlines() if "oopsim-recover:" in ln]
    if rec or policy:
        report["recover_console"] = rec[:200]
    report.update(file_sizes(d))
    report.update(trace_stats(os.path.join(d, "trace.txt")))
    write_json(os.path.join(d, "timing.json"), report)
    log("run done: %s" % d)
    print(json.dumps({k: v for k, v in report.items() if k != "events"}, indent=1))


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
    p.add_argument("--inject", help="SYMBOL:REG=VALUE, e.g. __x64_sys_newuname:rdi=0")
    p.add_argument("--inject-after", type=float, default=2)
    p.add_argument("--patch", help="ADDR:BEFORE:AFTER[;...] hex: mutate kernel text at restore (checked)")
    p.add_argument("--watch", help="ADDR (hex): record who runs the kernel instruction there (site-hits.txt)")
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
