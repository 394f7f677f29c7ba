"""The Python package on the repository's own traces (run by ctest: oopsim_python_package)."""
import json
import os
import subprocess

import oopsim
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(REPO, "tests", "golden", "01_set_fs_pwd_fs_lock_soft_lockup.trace.txt")
CORPUS = os.path.join(REPO, "traces", "corpus", "traces", "PTR-s20.pb.xz")


def test_text_form_reads_through_simtrace_with_enum_names():
    t = oopsim.read_trace(GOLDEN)
    assert t.header.format_version == 1
    ctx = t.contexts_df()
    assert "bash" in set(ctx["comm"])
    assert set(ctx["kind"]) <= {"user-task", "kernel-thread", "hard-irq", "soft-irq", "idle"}
    ev = t.events_df()
    assert set(ev["section"]) == {"injected", "golden"}
    assert "oops" in set(ev["type"]) and "lock-acquired" in set(ev["type"])
    assert list(t.observed_df()["outcome"]) == ["deadlock"]


def test_compressed_binary_corpus_trace_reads_whole():
    t = oopsim.read_trace(CORPUS)
    ev = t.events_df()
    assert len(ev) > 1000
    assert t.fault is not None and t.fault.type == t.fault.PTR
    assert len(t.locks_df()) > 10 and "address" in t.locks_df().columns
    assert set(t.observed_df()["workload"]) >= {"ext4", "vfat"}


def test_binary_and_text_forms_give_the_same_packets(tmp_path):
    pb = tmp_path / "g.pb"
    subprocess.run([os.environ["OOPSIM_SIMTRACE"], "convert", GOLDEN, "-o", str(pb)], check=True,
                   capture_output=True)
    a = [p.SerializeToString() for p in oopsim.read_packets(GOLDEN)]
    b = [p.SerializeToString() for p in oopsim.read_packets(str(pb))]
    assert a == b


def test_truncated_binary_trace_is_an_error_naming_the_packet(tmp_path):
    pb = tmp_path / "g.pb"
    subprocess.run([os.environ["OOPSIM_SIMTRACE"], "convert", GOLDEN, "-o", str(pb)], check=True,
                   capture_output=True)
    data = pb.read_bytes()
    cut = tmp_path / "cut.pb"
    cut.write_bytes(data[: len(data) - 5])
    with pytest.raises(oopsim.trace.TraceFormatError, match="truncated"):
        list(oopsim.read_packets(str(cut)))


def test_simrun_json_and_csv_load_with_null_kept_as_a_fault_type(tmp_path):
    simrun = os.environ["OOPSIM_SIMRUN"]
    js, cs = tmp_path / "r.json", tmp_path / "r.csv"
    subprocess.run([simrun, "--policy=all", "--format=json", "-o", str(js), GOLDEN], check=True)
    subprocess.run([simrun, "--policy=all", "--format=csv", "-o", str(cs), GOLDEN], check=True)
    j = oopsim.load_simrun_json(str(js))
    c = oopsim.load_simrun_csv(str(cs))
    assert len(j) == len(c) == 6  # six policies, one workload
    assert set(c["fault_type"]) == {"NULL"}  # not NaN
    assert set(j["fault_type"]) == {"NULL"}
    assert set(j["policy"]) == set(c["policy"])


def test_vmcheck_score_loads(tmp_path):
    score = {"policies": [{"policy": "kill-faulty", "agree": 1, "total": 2}],
             "runs": [{"policy": "kill-faulty", "trace": "x.pb", "rerun_ok": True,
                       "workloads": [{"workload": "ext4", "predicted": "deadlock",
                                      "observed": "deadlock", "agree": True},
                                     {"workload": "vfat", "predicted": "not-manifest",
                                      "observed": "deadlock", "agree": False}]}]}
    p = tmp_path / "score.json"
    p.write_text(json.dumps(score))
    df = oopsim.load_vmcheck_score(str(p))
    assert list(df["agree"]) == [True, False]
    assert df.attrs["policies"][0]["policy"] == "kill-faulty"
