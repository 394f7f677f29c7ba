"""Where the generated trace_pb2 module is: OOPSIM_PYTHON_GEN, else <repo>/build*/python (the
build writes it there with protoc from traces/format/trace.proto; one schema, never a copy)."""
import glob
import importlib
import os
import sys

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def trace_pb2():
    try:
        return importlib.import_module("traces.format.trace_pb2")
    except ImportError:
        pass
    candidates = [os.environ["OOPSIM_PYTHON_GEN"]] if os.environ.get("OOPSIM_PYTHON_GEN") else []
    candidates += sorted(glob.glob(os.path.join(_REPO, "build*", "python")))
    for d in candidates:
        if os.path.exists(os.path.join(d, "traces", "format", "trace_pb2.py")):
            sys.path.insert(0, d)
            return importlib.import_module("traces.format.trace_pb2")
    raise ImportError("oopsim: no generated traces/format/trace_pb2.py: build the project (cmake --build "
                      "build) or set OOPSIM_PYTHON_GEN to the folder holding traces/format/trace_pb2.py")
