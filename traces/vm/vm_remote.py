"""Talking to a running QEMU: QMP (with an answer timeout) and the gdb stub."""
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
