"""Reading a trace: the binary form (length-delimited TracePacket messages, optionally .xz) and
the text form (converted to binary by simtrace, the one implementation of that form)."""
import lzma
import os
import shutil
import subprocess

from google.protobuf.internal.decoder import _DecodeVarint32

from oopsim.bindings import trace_pb2

_XZ_MAGIC = b"\xfd7zXZ\x00"


class TraceFormatError(ValueError):
    """A damaged trace: where (packet index, byte offset in the uncompressed stream) and what."""


def _looks_binary(head):
    # As traces/format/packet_source.cc: the header packet's length, the tag 0x0a, the header's length.
    try:
        length, pos = _DecodeVarint32(head, 0)
        if pos >= len(head) or head[pos] != 0x0A:
            return False
        header, end = _DecodeVarint32(head, pos + 1)
        return length == (end - pos - 1) + 1 + header
    except (IndexError, Exception):  # noqa: B014 - a short head is not binary
        return False


def _simtrace():
    exe = os.environ.get("OOPSIM_SIMTRACE") or shutil.which("simtrace")
    if exe:
        return exe
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for d in sorted(os.listdir(repo)):
        cand = os.path.join(repo, d, "bin", "simtrace")
        if d.startswith("build") and os.access(cand, os.X_OK):
            return cand
    raise FileNotFoundError("oopsim: a text-form trace needs simtrace (OOPSIM_SIMTRACE, PATH, or "
                            "<repo>/build*/bin/simtrace)")


def _binary_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(_XZ_MAGIC):
        try:
            data = lzma.decompress(data)
        except lzma.LZMAError as e:
            raise TraceFormatError("%s: damaged xz stream: %s" % (path, e)) from e
    if _looks_binary(data[:22]):
        return data
    r = subprocess.run([_simtrace(), "convert", path, "-o", "-", "--to", "binary"],
                       capture_output=True)
    if r.returncode != 0:
        raise TraceFormatError(r.stderr.decode(errors="replace").strip())
    return r.stdout


def read_packets(path):
    """Yields every TracePacket of the trace in order."""
    data = _binary_bytes(path)
    pos, index = 0, 0
    pb2 = trace_pb2()
    while pos < len(data):
        index += 1
        start = pos
        try:
            length, pos = _DecodeVarint32(data, pos)
        except Exception as e:
            raise TraceFormatError("%s: packet %d at byte %d: corrupt length" % (path, index, start)) from e
        if pos + length > len(data):
            raise TraceFormatError("%s: packet %d at byte %d: truncated" % (path, index, start))
        p = pb2.TracePacket()
        p.ParseFromString(data[pos:pos + length])
        pos += length
        yield p


def _enum_name(field_enum, value):
    # TracePacket enums as the text form spells them: lower case, '-' for '_'.
    return field_enum.values_by_number[value].name.lower().replace("_", "-")


class Trace:
    """What a trace holds: the header, the fault, the declarations, the events of both sections,
    and the observed outcomes (the protobuf messages themselves)."""

    def __init__(self, path):
        self.path = path
        self.header = None
        self.fault = None
        self.contexts, self.locks, self.objects, self.workloads, self.sites = [], [], [], [], []
        self.events = []  # (section name, Event)
        self.observed = []
        section = None
        for p in read_packets(path):
            kind = None
            for name in ("header", "fault", "context", "lock", "object", "workload", "section",
                         "event", "observed", "site"):
                if p.HasField(name):
                    kind = name
                    break
            if kind is None:
                continue  # a packet of a newer format version: skipped, as the C++ reader does not
            msg = getattr(p, kind)
            if kind == "header":
                self.header = msg
            elif kind == "fault":
                self.fault = msg
            elif kind == "section":
                section = _enum_name(msg.DESCRIPTOR.fields_by_name["kind"].enum_type, msg.kind)
            elif kind == "event":
                self.events.append((section, msg))
            elif kind == "observed":
                self.observed.append(msg)
            else:
                getattr(self, {"context": "contexts", "lock": "locks", "object": "objects",
                               "workload": "workloads", "site": "sites"}[kind]).append(msg)

    # -- DataFrames: one row per message, enum names (not numbers), unset fields empty
    @staticmethod
    def _rows(messages, extra=None):
        import pandas as pd
        rows = []
        for i, m in enumerate(messages):
            row = dict(extra[i]) if extra else {}
            for f in m.DESCRIPTOR.fields:
                v = getattr(m, f.name)
                if f.label == f.LABEL_REPEATED:
                    v = [(_enum_name(f.enum_type, x) if f.enum_type else x) for x in v]
                elif not m.HasField(f.name):
                    v = None
                elif f.enum_type is not None:
                    v = _enum_name(f.enum_type, v)
                elif f.type == f.TYPE_BYTES:
                    v = v.hex()
                row[f.name] = v
            rows.append(row)
        return pd.DataFrame(rows)

    def contexts_df(self):
        return self._rows(self.contexts)

    def locks_df(self):
        return self._rows(self.locks)

    def objects_df(self):
        return self._rows(self.objects)

    def workloads_df(self):
        return self._rows(self.workloads)

    def observed_df(self):
        return self._rows(self.observed)

    def events_df(self):
        return self._rows([e for _, e in self.events], [{"section": s} for s, _ in self.events])


def read_trace(path):
    """The whole trace as a Trace (use read_packets to stream a large one)."""
    return Trace(path)
