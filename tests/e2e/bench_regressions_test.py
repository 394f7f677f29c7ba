#!/usr/bin/python3
"""scripts/bench_regressions.py on the committed baseline: the baseline against itself has no
regression (exit 0); a copy with one benchmark's times made 50% slower is flagged, that benchmark
only (exit 1). Timing is never measured here: the inputs are fixed files."""
import copy
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
baseline = os.path.join(repo, "bench", "baseline.json")
script = os.path.join(repo, "scripts", "bench_regressions.py")
with open(baseline) as f:
    base = json.load(f)
names = sorted({b["run_name"] for b in base["benchmarks"] if b.get("run_type") == "iteration"})
assert len(names) >= 10, names  # the whole path: reads, replays, import, reports
slow = next(n for n in names if "ReadXz" in n)
doctored = copy.deepcopy(base)
for b in doctored["benchmarks"]:
    if b["run_name"] == slow:
        b["real_time"] *= 1.5
        b["cpu_time"] *= 1.5
with tempfile.TemporaryDirectory() as d:
    slower = os.path.join(d, "slower.json")
    with open(slower, "w") as f:
        json.dump(doctored, f)
    same = subprocess.run([sys.executable, script, baseline, baseline], capture_output=True, text=True)
    assert same.returncode == 0, (same.returncode, same.stdout, same.stderr)
    assert "no significant regression" in same.stdout, same.stdout
    worse = subprocess.run([sys.executable, script, baseline, slower], capture_output=True, text=True)
    assert worse.returncode == 1, (worse.returncode, worse.stdout, worse.stderr)
    flagged = [l for l in worse.stdout.splitlines() if l.startswith("REGRESSION")]
    assert len(flagged) == 1 and slow in flagged[0], worse.stdout
print("ok: baseline vs itself clean; %s 50%% slower flagged alone" % slow)
