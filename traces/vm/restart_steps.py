#!/usr/bin/env python3
"""The steps of live subsystem restarts, measured: models/restart_steps.txt.

The guest's restart (recover/restart.sh) prints, per restart, "oopsim-recover: restarted SET in N
ms (stop=.. umount=.. rmmod=.. modprobe=.. mount=.. start=..)" or "restart of SET incomplete in
N ms (failed: ...) (...)". This reads those lines from the console.log files under the given
folders (vmcheck reruns under the subsystem-restart policy: the campaign's load, TCG) and writes
one row per set and kind (complete, incomplete): how many restarts, and the median of each step
in ms. A restart the recovery daemon began ("subsystem-restart: restarting SET") that printed no
such line by the end of the run, with its own command (umount, rmmod, modprobe or mount) asleep
uninterruptibly in the run's blocked.txt (the QEMU plugin's last walk of the tasks), is blocked:
counted per set and step in a comment (the engine does not model a blocked restart yet: see
docs/vmcheck.md). One that was still going when the run ended is only counted (the run was too
short to tell).

usage: restart_steps.py DIR... > models/restart_steps.txt
"""
import os
import re
import statistics
import sys

LINE = re.compile(r"oopsim-recover: (restarted (\S+)|restart of (\S+) incomplete) in [0-9.]+ ms"
                  r".*?\((stop=[^)]*)\)")
BEGUN = re.compile(r"subsystem-restart: restarting (\S+) ")
STEPS = ("stop", "umount", "rmmod", "modprobe", "mount", "start")
COMMANDS = {"umount": "umount", "rmmod": "rmmod", "modprobe": "modprobe", "mount": "mount"}


def blocked_step(folder):
    """The restart step whose command sleeps uninterruptibly in the folder's blocked.txt."""
    try:
        with open(os.path.join(folder, "blocked.txt"), errors="replace") as f:
            for line in f:
                w = line.split()
                if len(w) >= 4 and w[0] == "B" and w[3] == "D" and w[2] in COMMANDS:
                    return COMMANDS[w[2]]
    except OSError:
        pass
    return "unknown"


def restarts(dirs):
    for top in dirs:
        for root, _, files in os.walk(top):
            if "console.log" not in files:
                continue
            begun = []
            with open(os.path.join(root, "console.log"), errors="replace") as f:
                for line in f:
                    b = BEGUN.search(line)
                    if b:
                        begun.append(b.group(1))
                        continue
                    m = LINE.search(line)
                    if not m:
                        continue
                    name = m.group(2) or m.group(3)
                    if name in begun:
                        begun.remove(name)
                    steps = dict(kv.split("=") for kv in m.group(4).split())
                    kind = "complete" if m.group(2) else "incomplete"
                    yield name, kind, {k: float(steps[k]) for k in STEPS}
            for name in begun:
                yield name, "blocked", blocked_step(root)


def main():
    rows, unfinished = {}, {}
    for name, kind, steps in restarts(sys.argv[1:]):
        if kind == "blocked":
            unfinished.setdefault(name, []).append(steps)
        else:
            rows.setdefault((name, kind), []).append(steps)
    print("# Live subsystem restarts, measured: the median of each step in ms (recover/restart.sh's")
    print("# console line), under the campaign's load in TCG reruns. Made by")
    print("#   traces/vm/restart_steps.py %s > models/restart_steps.txt" % " ".join(sys.argv[1:]))
    cut = {n: len([w for w in ws if w == "unknown"]) for n, ws in unfinished.items()}
    cut = ", ".join("%s %d" % (n, k) for n, k in sorted(cut.items()) if k)
    if cut:
        print("# Begun and still going when their run ended (not counted): " + cut)
    print("# <set> <complete|incomplete> <restarts> " + " ".join("<%s>" % s for s in STEPS))
    for (name, kind), runs in sorted(rows.items()):
        med = [statistics.median(r[s] for r in runs) for s in STEPS]
        print("%-12s %-10s %3d %s" % (name, kind, len(runs), " ".join("%8.1f" % x for x in med)))
    blocked = []
    for name, where in sorted(unfinished.items()):
        where = [w for w in where if w != "unknown"]
        blocked += ["%s %d in %s" % (name, where.count(step), step) for step in sorted(set(where))]
    if blocked:
        print("# Begun and blocked for good, the step's command asleep uninterruptibly (not modelled): "
              + ", ".join(blocked))


if __name__ == "__main__":
    main()
