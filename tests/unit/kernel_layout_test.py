#!/usr/bin/env python3
"""traces/vm/kernel_layout.py on two small BTF dumps in bpftool's raw form, one laid out as 6.1 is
(PG_slab, current_task and __preempt_count symbols of their own) and one as 6.12 is (a slab page
told by its page type, the current task and preempt count inside pcpu_hot's anonymous struct):
each gives the offsets the plugin reads with, and a dump without a way to tell a slab page is
refused by name."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "traces", "vm"))
import kernel_layout  # noqa: E402

COMMON = """[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
[2] STRUCT 'task_struct' size=9000 vlen=7
\t'__state' type_id=1 bits_offset=192
\t'stack' type_id=1 bits_offset=256
\t'tasks' type_id=1 bits_offset={tasks}
\t'pid' type_id=1 bits_offset={pid}
\t'comm' type_id=1 bits_offset=23808
\t'thread' type_id=1 bits_offset=43008
\t'flags' type_id=1 bits_offset=0
[3] STRUCT 'thread_struct' size=64 vlen=1
\t'sp' type_id=1 bits_offset=192
[4] STRUCT 'kmem_cache' size=200 vlen=2
\t'size' type_id=1 bits_offset=192
\t'name' type_id=1 bits_offset=768
[5] STRUCT 'cyc2ns' size=64 vlen=1
\t'seq' type_id=1 bits_offset=256
[6] STRUCT 'cyc2ns_data' size=16 vlen=3
\t'cyc2ns_mul' type_id=1 bits_offset=0
\t'cyc2ns_shift' type_id=1 bits_offset=32
\t'cyc2ns_offset' type_id=1 bits_offset=64
"""

V61 = COMMON.format(tasks=17536, pid=19328) + """[7] STRUCT 'slab' size=64 vlen=2
\t'__page_flags' type_id=1 bits_offset=0
\t'slab_cache' type_id=1 bits_offset=192
[8] ENUM 'pageflags' encoding=UNSIGNED size=4 vlen=2
\t'PG_locked' val=0
\t'PG_slab' val=9
"""

V612 = COMMON.format(tasks=17792, pid=19456) + """[7] STRUCT 'slab' size=64 vlen=3
\t'__page_flags' type_id=1 bits_offset=0
\t'slab_cache' type_id=1 bits_offset=64
\t'__page_type' type_id=1 bits_offset=384
[8] ENUM 'pageflags' encoding=UNSIGNED size=4 vlen=1
\t'PG_large_rmappable' val=9
[9] ENUM 'pagetype' encoding=UNSIGNED size=4 vlen=2
\t'PGTY_buddy' val=240
\t'PGTY_slab' val=245
[10] STRUCT '(anon)' size=48 vlen=3
\t'current_task' type_id=1 bits_offset=0
\t'preempt_count' type_id=1 bits_offset=64
\t'cpu_number' type_id=1 bits_offset=96
[11] UNION '(anon)' size=64 vlen=2
\t'(anon)' type_id=10 bits_offset=0
\t'pad' type_id=1 bits_offset=0
[12] STRUCT 'pcpu_hot' size=64 vlen=1
\t'(anon)' type_id=11 bits_offset=0
"""


class KernelLayout(unittest.TestCase):
    def test_a_6_1_layout_tells_slab_pages_by_their_flag(self):
        lay = kernel_layout.parse(V61)
        self.assertEqual((lay["task_pid"], lay["task_tasks"], lay["slab_cache"]), (2416, 2192, 24))
        self.assertEqual(lay["pg_slab"], 9)
        self.assertNotIn("pgty_slab", lay)
        self.assertEqual((lay["cyc2ns_seq"], lay["cyc2ns_size"], lay["cyc2ns_offset"]), (32, 16, 8))
        syms = {"current_task": 0x21540, "__preempt_count": 0x21548}
        self.assertEqual(kernel_layout.percpu_offsets(syms, lay),
                         {"current_task": 0x21540, "preempt_count": 0x21548})

    def test_a_6_12_layout_tells_slab_pages_by_type_and_finds_pcpu_hot_fields(self):
        lay = kernel_layout.parse(V612)
        self.assertEqual((lay["task_pid"], lay["task_tasks"], lay["slab_cache"]), (2432, 2224, 8))
        self.assertNotIn("pg_slab", lay)  # bit 9 is another flag there
        self.assertEqual((lay["pgty_slab"], lay["slab_page_type"]), (0xf5, 48))
        self.assertEqual((lay["hot_current_task"], lay["hot_preempt_count"]), (0, 8))
        self.assertEqual(kernel_layout.percpu_offsets({"pcpu_hot": 0x351c0}, lay),
                         {"current_task": 0x351c0, "preempt_count": 0x351c8})

    def test_a_dump_with_no_way_to_tell_a_slab_page_is_refused(self):
        with self.assertRaisesRegex(RuntimeError, "PGTY_slab"):
            kernel_layout.parse(V612.replace("'PGTY_slab'", "'PGTY_other'"))
        with self.assertRaisesRegex(RuntimeError, "pcpu_hot"):
            kernel_layout.percpu_offsets({}, kernel_layout.parse(V612))


if __name__ == "__main__":
    unittest.main()
