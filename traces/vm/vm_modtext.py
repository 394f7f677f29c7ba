"""The live text of the guest's loaded modules at a saved state: STATE/modtext/.

Module text on disk (the .ko) is not what runs: its calls and data references are relocated when
the module loads, and its address is wherever the loader put it. The injector needs the bytes the
guest executes, at the addresses it executes them, to draw sites and to check a patch against.

A module's core text starts its core layout (page aligned); its read-only data starts on the page
after the text ends. So a module's text is [page of its lowest text symbol, page of its first
non-text symbol above the text), both from the state's kallsyms. The bytes are read through the
gdb stub from a restore of the state that never runs (or from the guest just saved, stopped).

Output: modtext/index.txt ("# module base size sha256", one line per module) and
modtext/MODULE.bin. The index also names the kallsyms it was cut from (its sha256): a dump from
another state is refused by the injector.
"""
import hashlib
import os
import shlex

from vm_base import log
from vm_qemu import fresh_dir, launch, make_overlays, quit_qemu, read, sock_path, wait_restored
from vm_remote import GdbRemote, QMP

PAGE = 4096
MAX_GAP = 1 << 16  # between two functions' starts in one module's text (the largest is far less)
CHUNK = 2048  # bytes per gdb 'm' request (QEMU's packet buffer takes more; this is safe)


def core_cluster(addrs, gap=MAX_GAP):
    """The largest run of sorted addresses with no gap over `gap`: the core text. A module's
    init text (freed after load, but its global symbols can stay in kallsyms) lies elsewhere."""
    addrs = sorted(addrs)
    runs, start = [], 0
    for i in range(1, len(addrs) + 1):
        if i == len(addrs) or addrs[i] - addrs[i - 1] > gap:
            runs.append(addrs[start:i])
            start = i
    return max(runs, key=len)


def module_text_ranges(kallsyms_path):
    """{module: (base, end)}: each loaded module's core text, from kallsyms."""
    text, other = {}, {}
    with open(kallsyms_path) as f:
        for line in f:
            p = line.split()
            if len(p) < 4 or not p[3].startswith("["):
                continue
            mod, addr = p[3][1:-1], int(p[0], 16)
            (text if p[1] in "tT" else other).setdefault(mod, []).append(addr)
    out = {}
    for mod, addrs in text.items():
        core = core_cluster(addrs)
        lo, hi = core[0], core[-1]
        above = [a for a in other.get(mod, []) if hi < a <= hi + MAX_GAP]
        end = (min(above) & ~(PAGE - 1)) if above else 0
        out[mod] = (lo & ~(PAGE - 1), max(end, (hi + PAGE) & ~(PAGE - 1)))
    return out


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def dump_module_text(g, kallsyms_path, out_dir):
    """Reads every module's text through the open gdb connection `g` (guest stopped) into
    out_dir (index.txt, MODULE.bin). Returns {module: size}."""
    ranges = module_text_ranges(kallsyms_path)
    tmp = out_dir + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    with open(kallsyms_path, "rb") as f:
        ksum = sha256_bytes(f.read())
    lines = ["# module text read from the guest; kallsyms sha256 %s" % ksum,
             "# module base size sha256"]
    sizes = {}
    for mod in sorted(ranges):
        base, end = ranges[mod]
        data = bytearray()
        try:
            for a in range(base, end, CHUNK):
                data += g.read_mem(a, min(CHUNK, end - a))
        except ValueError:  # the stub answered an error: not mapped
            lines.append("# skipped %s: %#x..%#x is not readable" % (mod, base, end))
            continue
        if len(data) != end - base:
            lines.append("# skipped %s: read %d of %d bytes at %#x" % (mod, len(data), end - base, base))
            continue
        with open(os.path.join(tmp, mod + ".bin"), "wb") as f:
            f.write(data)
        lines.append("%s %#x %d %s" % (mod, base, len(data), sha256_bytes(bytes(data))))
        sizes[mod] = len(data)
    with open(os.path.join(tmp, "index.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if os.path.isdir(out_dir):
        for name in os.listdir(out_dir):
            os.unlink(os.path.join(out_dir, name))
        os.rmdir(out_dir)
    os.rename(tmp, out_dir)
    return sizes


def modtext_current(state):
    """Whether STATE/modtext was cut from STATE's kallsyms."""
    idx = os.path.join(state, "modtext", "index.txt")
    if not os.path.exists(idx):
        return False
    with open(os.path.join(state, "kallsyms"), "rb") as f:
        ksum = sha256_bytes(f.read())
    return ("kallsyms sha256 %s" % ksum) in read(idx)


def dump_from_state(cfg, state, work_dir):
    """Restores STATE paused (it never runs), reads the module text, quits."""
    fresh_dir(work_dir)
    make_overlays(work_dir, backing_dir=state)
    st = os.path.join(state, "vmstate.zst")
    proc = launch(cfg, work_dir, incoming="exec:zstd -dcq %s" % shlex.quote(st))
    qmp = QMP(sock_path(work_dir, "qmp.sock"))
    wait_restored(proc, qmp, work_dir)
    g = GdbRemote(sock_path(work_dir, "gdb.sock"))
    g.req("?")
    sizes = dump_module_text(g, os.path.join(state, "kallsyms"), os.path.join(state, "modtext"))
    g.s.close()
    quit_qemu(proc, qmp)
    log("module text of %d modules (%d KiB) in %s/modtext" % (len(sizes), sum(sizes.values()) // 1024, state))
    return sizes
