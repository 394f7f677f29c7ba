#!/usr/bin/env python3
"""vmctl against a QEMU monitor that hangs: a QMP socket that accepts and then never answers (as a
hung or stopped QEMU) must end in vmctl's own message within the answer timeout, not a wait
forever. And a monitor that answers the greeting but not a command names that command."""
import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "traces", "vm"))
import vmctl  # noqa: E402


def serve(path, greet):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def run():
        conn, _ = srv.accept()
        if greet:
            conn.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\n')
        time.sleep(30)  # never answers
        conn.close()
    threading.Thread(target=run, daemon=True).start()
    return srv


with tempfile.TemporaryDirectory() as d:
    for greet, want in ((False, "its greeting"), (True, "'qmp_capabilities'")):
        path = os.path.join(d, "qmp-%d.sock" % greet)
        serve(path, greet)
        t0 = time.time()
        try:
            vmctl.QMP(path, timeout=5, answer_timeout=1)
        except SystemExit as e:
            msg = str(e)
            assert "did not answer %s within 1 s" % want in msg, msg
            assert time.time() - t0 < 10, time.time() - t0
            print("ok:", msg)
            continue
        raise AssertionError("a silent monitor was waited for without an error")
