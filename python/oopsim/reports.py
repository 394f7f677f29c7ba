"""simrun's JSON and CSV reports and vmcheck's score as pandas DataFrames."""
import json


def load_simrun_json(path):
    """One row per trace x policy x workload, with the trace's fault, crash and scope columns."""
    import pandas as pd
    with open(path) as f:
        report = json.load(f)
    rows = []
    for t in report["traces"]:
        fault = t.get("fault") or {}
        crash = t.get("crash") or {}
        for w in t["workloads"]:
            row = {"trace": t["trace"], "policy": t["policy"], "scope": t["scope"],
                   "scope_why": t.get("scope_why"), "fault_type": fault.get("type"),
                   "fault_site": fault.get("site"), "crash_kind": crash.get("kind"),
                   "crash_function": crash.get("function"), "crash_time_s": crash.get("time_s")}
            row.update(w)
            rows.append(row)
    return pd.DataFrame(rows)


def load_simrun_csv(path):
    """simrun --format=csv, with every value kept as written: the fault type NULL is a name, not
    a missing value (pandas' default NA strings are off)."""
    import pandas as pd
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"fault_type": str})


def load_vmcheck_score(path):
    """vmcheck --format json: one row per rerun x workload (policy, trace, predicted, observed,
    agree), and the per-policy totals in .attrs["policies"]."""
    import pandas as pd
    with open(path) as f:
        score = json.load(f)
    rows = []
    for r in score.get("runs", []):
        for w in r.get("workloads", []):
            row = {k: v for k, v in r.items() if k != "workloads"}
            row.update(w)
            rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["policies"] = score.get("policies", [])
    return df
