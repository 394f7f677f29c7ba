"""The guest kernel's data layout the QEMU plugin reads memory with, derived from the kernel's own
BTF (`bpftool btf dump file vmlinux format raw`) and config (CONFIG_HZ, the jiffies' rate), per
kernel build, never copied by hand:
task_struct's pid, comm, stack, __state, tasks and thread fields (and thread_struct's sp), struct
slab's slab_cache, struct kmem_cache's size and name, how a slab page is told (the page flag
PG_slab up to 6.7; from 6.8 the page's type, PGTY_slab in the top byte of struct slab's
__page_type), where the per-CPU current task and preempt count sit inside pcpu_hot when they are
not symbols of their own (6.2 on), struct cyc2ns's latch sequence and cyc2ns_data's fields and
size (the trace clock's scaling), and HZ. Written to $CACHE/kernel-layout.json beside the vmlinux
it came from, and made again when that vmlinux changes.

    python3 kernel_layout.py [VMLINUX]     prints the layout (JSON)
"""
import json
import os
import re
import subprocess
import sys

from vm_base import CACHE

# (struct, field) -> key; a field's offset comes from BTF in bits, through anonymous members.
FIELDS = {("task_struct", "pid"): "task_pid", ("task_struct", "comm"): "task_comm",
          ("task_struct", "stack"): "task_stack", ("slab", "slab_cache"): "slab_cache",
          ("kmem_cache", "size"): "kmem_cache_size", ("kmem_cache", "name"): "kmem_cache_name",
          ("task_struct", "__state"): "task_state", ("task_struct", "tasks"): "task_tasks",
          ("task_struct", "thread"): "task_thread", ("thread_struct", "sp"): "thread_sp",
          ("cyc2ns", "seq"): "cyc2ns_seq", ("cyc2ns_data", "cyc2ns_mul"): "cyc2ns_mul",
          ("cyc2ns_data", "cyc2ns_shift"): "cyc2ns_shift",
          ("cyc2ns_data", "cyc2ns_offset"): "cyc2ns_offset"}
# Fields only some kernels have.
OPTIONAL_FIELDS = {("slab", "__page_type"): "slab_page_type",
                   ("pcpu_hot", "current_task"): "hot_current_task",
                   ("pcpu_hot", "preempt_count"): "hot_preempt_count"}
ENUMS = {"PG_slab": "pg_slab", "PGTY_slab": "pgty_slab"}
# struct -> key: a structure's size in bytes.
SIZES = {"cyc2ns_data": "cyc2ns_size"}
# Keys every kernel must give; of the others, one way to tell a slab page must be there.
REQUIRED = list(FIELDS.values()) + list(SIZES.values())
VERSION = 2  # of what a cached layout holds: made again when it is older

TYPE = re.compile(r"^\[(\d+)\] (\w+) '([^']*)'(?: size=(\d+))?")
MEMBER = re.compile(r"^\s+'([^']*)' type_id=(\d+) bits_offset=(\d+)")
ENUM_VAL = re.compile(r"^\s+'([^']+)' val=(-?\d+)")


def read_types(raw):
    """{type id: (kind, name, size, [(member, type id, bit offset)])} and {enum value name: value}
    from bpftool's raw dump."""
    types, enums, cur = {}, {}, None
    for line in raw.splitlines():
        m = TYPE.match(line)
        if m:
            cur = [m.group(2), m.group(3), int(m.group(4) or 0), []]
            types[int(m.group(1))] = cur
            continue
        m = MEMBER.match(line)
        if m and cur is not None and cur[0] in ("STRUCT", "UNION"):
            cur[3].append((m.group(1), int(m.group(2)), int(m.group(3))))
            continue
        m = ENUM_VAL.match(line)
        if m and m.group(1) not in enums:
            enums[m.group(1)] = int(m.group(2))
    return types, enums


def field_bits(types, tid, field, depth=0):
    """The bit offset of FIELD in the struct or union TID, looking into its anonymous members
    (pcpu_hot's fields sit in an anonymous struct inside an anonymous union); None if absent."""
    if depth > 4 or tid not in types:
        return None
    for name, mtid, bits in types[tid][3]:
        if name == field:
            return bits
        if name == "(anon)" and mtid in types and types[mtid][0] in ("STRUCT", "UNION"):
            sub = field_bits(types, mtid, field, depth + 1)
            if sub is not None:
                return bits + sub
    return None


def parse(raw):
    """The layout from bpftool's raw dump (a struct's first definition counts)."""
    types, enums = read_types(raw)
    first = {}
    for tid, (kind, name, size, _) in sorted(types.items()):
        if kind == "STRUCT" and name not in first:
            first[name] = tid
    out = {}
    for table in (FIELDS, OPTIONAL_FIELDS):
        for (struct, field), key in table.items():
            bits = field_bits(types, first[struct], field) if struct in first else None
            if bits is not None:
                out[key] = bits // 8
    for struct, key in SIZES.items():
        if struct in first:
            out[key] = types[first[struct]][2]
    for name, key in ENUMS.items():
        if name in enums:
            out[key] = enums[name]
    missing = sorted(k for k in REQUIRED if k not in out)
    if "pg_slab" not in out and not ("pgty_slab" in out and "slab_page_type" in out):
        missing.append("pg_slab (or PGTY_slab and slab.__page_type)")
    if missing:
        raise RuntimeError("the kernel's BTF lacks %s" % ", ".join(missing))
    return out


# The kallsyms names percpu_offsets reads: the current task and preempt count have symbols of their
# own up to 6.1, and are fields of pcpu_hot after.
PERCPU_SYMBOLS = ("current_task", "__preempt_count", "pcpu_hot")


def percpu_offsets(syms, lay):
    """The per-CPU offsets of the current task and the preempt count: their own symbols (up to
    6.1), else pcpu_hot's (SYMS: kallsyms name -> address) plus the field's place in it."""
    out = {}
    for name, sym, key in (("current_task", "current_task", "hot_current_task"),
                           ("preempt_count", "__preempt_count", "hot_preempt_count")):
        if sym in syms:
            out[name] = syms[sym]
        elif "pcpu_hot" in syms and key in lay:
            out[name] = syms["pcpu_hot"] + lay[key]
        else:
            raise RuntimeError("neither %s nor pcpu_hot.%s is in this kernel" % (sym, name))
    return out


def derive(vmlinux):
    try:
        raw = subprocess.run(["bpftool", "btf", "dump", "file", vmlinux, "format", "raw"],
                             check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        raise RuntimeError("bpftool is not installed (apt-get install bpftool): the plugin's "
                           "layout comes from the kernel's BTF")
    except subprocess.CalledProcessError as e:
        raise RuntimeError("bpftool could not read %s's BTF: %s" % (vmlinux, e.stderr.strip()))
    layout = parse(raw)
    # CONFIG_HZ, from the kernel's config beside it (setup.sh keeps it): the jiffies' rate.
    config = os.path.join(os.path.dirname(vmlinux), "kernel-config")
    try:
        with open(config) as f:
            hz = re.search(r"^CONFIG_HZ=(\d+)$", f.read(), re.M)
    except OSError:
        hz = None
    if not hz:
        raise RuntimeError("%s does not give CONFIG_HZ" % config)
    layout["hz"] = int(hz.group(1))
    st = os.stat(vmlinux)
    layout["vmlinux"] = {"size": st.st_size, "mtime": int(st.st_mtime)}
    layout["version"] = VERSION
    return layout


# The compressed payload inside vmlinuz: (magic, the command that unpacks it). Either stops at
# the payload's end (zstd then complains about what follows, which is fine).
PAYLOADS = ((b"\xfd7zXZ\0", ["xz", "-dcq"]), (b"\x28\xb5\x2f\xfd", ["zstd", "-dcq"]))


def unpack(vmlinuz, vmlinux):
    """vmlinux from the xz (6.1) or zstd (6.12) payload in vmlinuz, told by its magic."""
    with open(vmlinuz, "rb") as f:
        z = f.read()
    found = sorted((at, cmd) for at, cmd in ((z.find(magic), cmd) for magic, cmd in PAYLOADS)
                   if at >= 0)
    if not found:
        raise RuntimeError("%s: no xz or zstd payload found" % vmlinuz)
    at, cmd = found[0]
    p = subprocess.run(cmd, input=z[at:], capture_output=True)
    if not p.stdout.startswith(b"\x7fELF"):
        raise RuntimeError("%s: its %s payload is not an ELF file" % (vmlinuz, cmd[0]))
    with open(vmlinux + ".tmp", "wb") as f:
        f.write(p.stdout)
    os.replace(vmlinux + ".tmp", vmlinux)


def layout(vmlinux=os.path.join(CACHE, "vmlinux")):
    """The layout of the kernel in VMLINUX (unpacked from the vmlinuz beside it when missing),
    from the cache when it was derived from this file."""
    path = os.path.join(os.path.dirname(vmlinux), "kernel-layout.json")
    if not os.path.exists(vmlinux):
        unpack(os.path.join(os.path.dirname(vmlinux), "vmlinuz"), vmlinux)
    st = os.stat(vmlinux)
    try:
        with open(path) as f:
            cached = json.load(f)
        if cached.get("vmlinux") == {"size": st.st_size, "mtime": int(st.st_mtime)} and all(
                k in cached for k in REQUIRED + ["hz"]) and cached.get("version") == VERSION:
            return cached
    except (OSError, ValueError):
        pass
    out = derive(vmlinux)
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)
    return out


if __name__ == "__main__":
    print(json.dumps(layout(*sys.argv[1:2]), indent=1, sort_keys=True))
