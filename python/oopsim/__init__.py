"""oopsim from Python: read traces (.pb, .pb.xz, and the text form through simtrace) into objects
and pandas DataFrames, and load simrun's JSON/CSV reports and vmcheck's scores.

    import oopsim
    t = oopsim.read_trace("traces/corpus/traces/PTR-s20.pb.xz")
    t.contexts_df(); t.locks_df(); t.events_df(); t.observed_df()
    r = oopsim.load_simrun_json("predictions.json")   # one row per trace x policy x workload

The protobuf bindings are generated from traces/format/trace.proto at build time (build/python); the
package finds them through OOPSIM_PYTHON_GEN, or in <repo>/build*/python.
"""
from oopsim.trace import Trace, read_trace, read_packets  # noqa: F401
from oopsim.reports import load_simrun_csv, load_simrun_json, load_vmcheck_score  # noqa: F401
