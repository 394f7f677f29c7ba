#!/usr/bin/env python3
"""The steps of live subsystem restarts, measured: models/restart_steps.txt.

The guest's restart (recover/restart.sh) prints, per restart, "oopsim-recover: restarted SET in N
ms (stop=.. umount=.. rmmod=.. modprobe=.. mount=.. start=..)" or "restart of SET incomplete in
N ms (failed: ...) (...)". This reads those lines from the console.log files under the given
folders (vmcheck reruns under the subsystem-restart policy: the campaign's load, TCG) and writes
one row per set and kind (complete, incomplete): how many restarts, and the median of each step
in ms.

usage: restart_steps.py DIR... > models/restart_steps.txt
"""
import os
import re
import statistics
import sys

LINE = re.compile(r"oopsim-recover: (restarted (\S+)|restart of (\S+) incomplete) in [0-9.]+ ms"
                  r".*?\((stop=[^)]*)\)")
STEPS = ("stop", "umount", "rmmod", "modprobe", "mount", "start")


def restarts(dirs):
    for top in dirs:
        for root, _, files in os.walk(top):
            if "console.log" not in files:
                continue
            with open(os.path.join(root, "console.log"), errors="replace") as f:
                for line in f:
                    m = LINE.search(line)
                    if not m:
                        continue
                    steps = dict(kv.split("=") for kv in m.group(4).split())
                    kind = "complete" if m.group(2) else "incomplete"
                    yield (m.group(2) or m.group(3)), kind, {k: float(steps[k]) for k in STEPS}


def main():
    rows = {}
    for name, kind, steps in restarts(sys.argv[1:]):
        rows.setdefault((name, kind), []).append(steps)
    print("# Live subsystem restarts, measured: the median of each step in ms (recover/restart.sh's")
    print("# console line), under the campaign's load in TCG reruns. Made by")
    print("#   traces/vm/restart_steps.py %s > models/restart_steps.txt" % " ".join(sys.argv[1:]))
    print("# <set> <complete|incomplete> <restarts> " + " ".join("<%s>" % s for s in STEPS))
    for (name, kind), runs in sorted(rows.items()):
        med = [statistics.median(r[s] for r in runs) for s in STEPS]
        print("%-12s %-10s %3d %s" % (name, kind, len(runs), " ".join("%8.1f" % x for x in med)))


if __name__ == "__main__":
    main()
