"""The guest kernel's data layout the QEMU plugin reads memory with, derived from the kernel's own
BTF (`bpftool btf dump file vmlinux format raw`) and config (CONFIG_HZ, the jiffies' rate), per
kernel build, never copied by hand:
task_struct's pid, comm, stack, __state, tasks and thread fields (and thread_struct's sp), struct
slab's slab_cache, struct kmem_cache's size and name, the page flag PG_slab, struct cyc2ns's
latch sequence and cyc2ns_data's fields and size (the trace clock's scaling), and HZ. Written to $CACHE/kernel-layout.json beside
the vmlinux it came from, and made again when that vmlinux changes.

    python3 kernel_layout.py [VMLINUX]     prints the layout (JSON)
"""
import json
import os
import re
import subprocess
import sys

from vm_base import CACHE

# (struct, field) -> key; a field's offset comes from BTF in bits.
FIELDS = {("task_struct", "pid"): "task_pid", ("task_struct", "comm"): "task_comm",
          ("task_struct", "stack"): "task_stack", ("slab", "slab_cache"): "slab_cache",
          ("kmem_cache", "size"): "kmem_cache_size", ("kmem_cache", "name"): "kmem_cache_name",
          ("task_struct", "__state"): "task_state", ("task_struct", "tasks"): "task_tasks",
          ("task_struct", "thread"): "task_thread", ("thread_struct", "sp"): "thread_sp",
          ("cyc2ns", "seq"): "cyc2ns_seq", ("cyc2ns_data", "cyc2ns_mul"): "cyc2ns_mul",
          ("cyc2ns_data", "cyc2ns_shift"): "cyc2ns_shift",
          ("cyc2ns_data", "cyc2ns_offset"): "cyc2ns_offset"}
ENUMS = {"PG_slab": "pg_slab"}
# struct -> key: a structure's size in bytes.
SIZES = {"cyc2ns_data": "cyc2ns_size"}

STRUCT = re.compile(r"^\[\d+\] STRUCT '([^']+)' size=(\d+) vlen=\d+")
MEMBER = re.compile(r"^\s+'([^']+)' type_id=\d+ bits_offset=(\d+)")
ENUM_VAL = re.compile(r"^\s+'([^']+)' val=(-?\d+)")


def parse(raw):
    """The layout from bpftool's raw dump (a struct's first definition counts)."""
    out, seen, struct = {}, set(), None
    for line in raw.splitlines():
        m = STRUCT.match(line)
        if m:
            struct = m.group(1) if m.group(1) not in seen else None
            if struct in SIZES:
                out[SIZES[struct]] = int(m.group(2))
            seen.add(m.group(1))
            continue
        if line.startswith("["):
            struct = None
        m = MEMBER.match(line)
        if m and (struct, m.group(1)) in FIELDS:
            out[FIELDS[(struct, m.group(1))]] = int(m.group(2)) // 8
            continue
        m = ENUM_VAL.match(line)
        if m and m.group(1) in ENUMS and ENUMS[m.group(1)] not in out:
            out[ENUMS[m.group(1)]] = int(m.group(2))
    missing = sorted(k for k in list(FIELDS.values()) + list(ENUMS.values()) + list(SIZES.values())
                     if k not in out)
    if missing:
        raise RuntimeError("the kernel's BTF lacks %s" % ", ".join(missing))
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
    return layout


def unpack(vmlinuz, vmlinux):
    """vmlinux from the xz payload in vmlinuz (xz stops at the payload's end)."""
    with open(vmlinuz, "rb") as f:
        z = f.read()
    at = z.find(b"\xfd7zXZ\0")
    if at < 0:
        raise RuntimeError("%s: no xz payload found" % vmlinuz)
    p = subprocess.run(["xz", "-dcq"], input=z[at:], capture_output=True)
    if not p.stdout.startswith(b"\x7fELF"):
        raise RuntimeError("%s: its xz payload is not an ELF file" % vmlinuz)
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
                k in cached
                for k in list(FIELDS.values()) + list(ENUMS.values()) + list(SIZES.values()) + ["hz"]):
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
