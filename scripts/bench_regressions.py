#!/usr/bin/python3
"""Compares two Google Benchmark JSON runs (with repetitions) with Google Benchmark's own tools
(Debian's libbenchmark-tools: /usr/share/benchmark/gbench, compare.py's report and its
Mann-Whitney U test) and prints only the significant regressions: a benchmark whose mean real
time got slower by more than --threshold (default 10%: on the 2-core machine here, runs of one
build differ by up to 5%) with a U test p-value under --alpha (default 0.05).
Exit 0: none; 1: at least one; 2: bad input.
usage: bench_regressions.py BASELINE.json NEW.json [--alpha A] [--threshold T]"""
import argparse
import json
import sys

sys.path.insert(0, "/usr/share/benchmark")
try:
    from gbench import report  # noqa: E402
except ImportError as e:  # pragma: no cover
    print("bench_regressions: Google Benchmark's compare tools are missing (apt-get install "
          "libbenchmark-tools python3-scipy): %s" % e, file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("baseline")
    ap.add_argument("new")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--threshold", type=float, default=0.10)
    a = ap.parse_args()
    try:
        with open(a.baseline) as f:
            old = json.load(f)
        with open(a.new) as f:
            new = json.load(f)
    except (OSError, ValueError) as e:
        print("bench_regressions: %s" % e, file=sys.stderr)
        return 2
    diff = report.get_difference_report(old, new, utest=True)
    regressions = []
    for b in diff:
        name = b["name"]
        if name.startswith("OVERALL"):
            continue
        ut = b.get("utest") or {}
        p = ut.get("time_pvalue")
        means = [m for m in b["measurements"]]
        if not means or p is None:
            continue
        # the change of the mean real time over the repetitions (new vs old, a fraction)
        olds = [m["real_time"] for m in means]
        news = [m["real_time_other"] for m in means]
        old_mean, new_mean = sum(olds) / len(olds), sum(news) / len(news)
        change = (new_mean - old_mean) / old_mean if old_mean else 0.0
        if p < a.alpha and change > a.threshold:
            regressions.append((name, change, p, old_mean, new_mean, b.get("time_unit", "")))
    for name, change, p, o, n, unit in regressions:
        print("REGRESSION %s: %.1f%% slower (%.3g -> %.3g %s real time, U test p=%.4f)"
              % (name, 100 * change, o, n, unit, p))
    if not regressions:
        print("no significant regression (%d benchmarks compared; U test alpha %.2f, threshold %.0f%%)"
              % (sum(1 for b in diff if not b["name"].startswith("OVERALL")), a.alpha, 100 * a.threshold))
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
