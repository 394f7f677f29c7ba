// mem.txt, the QEMU plugin's memory record: its parser and printer (traces/import/mem_record.h).
#include "traces/import/mem_record.h"
#include "traces/import/recorded_locks.h"

#include <gtest/gtest.h>

namespace oopsim::traces {
namespace {

const char kRecord[] =
    "# mem (QEMU plugin) site 0xffffffff81367160: comment\n"
    "A 4294896208 1 236 oopsim-restartd 0x80000000 0xffff88801ff59840 0xffffc90000530000\n"
    "W 4294896208 0xffffffff81367165 0xffffc90000533d20 8 0 stack 0xffffc90000530000 0x4000 -\n"
    "W 4294896209 0xffffffff811bcc00 0xffff8880050cf230 4 0x2a slab 0xffff8880050cf200 0x200 "
    "kmalloc-512\n"
    "R 4294896210 0 163 oopsim-tcpstrea 0x100 0xffffffff811bbd19 0xffff8880050cf230 4 2\n"
    "E 4294896262 cap\n"
    "S dropped_loads=0 loads=1 stores=2\n";

TEST(MemRecord, ReadsEveryKindOfLineAndPrintsItBack) {
  MemRecord r;
  TraceError error;
  ASSERT_TRUE(parse_mem_record(kRecord, "mem.txt", r, error)) << error.message();
  ASSERT_TRUE(r.activation);
  EXPECT_EQ(r.activation->who.pid, 236);
  EXPECT_EQ(r.activation->who.comm, "oopsim-restartd");
  EXPECT_EQ(r.activation->stack, 0xffffc90000530000u);
  ASSERT_EQ(r.writes.size(), 2u);
  EXPECT_EQ(r.writes[0].region, "stack");
  EXPECT_EQ(r.writes[0].name, "");  // "-"
  EXPECT_EQ(r.writes[1].name, "kmalloc-512");
  EXPECT_EQ(r.writes[1].value, 0x2au);
  EXPECT_EQ(r.writes[1].length, 0x200u);
  ASSERT_EQ(r.reads.size(), 1u);
  EXPECT_EQ(r.reads[0].who.irq(), 's');  // a softirq read it
  EXPECT_EQ(r.reads[0].write, 2u);
  EXPECT_EQ(r.end_why, "cap");
  EXPECT_EQ(r.totals.at("loads"), 1u);

  MemRecord again;
  ASSERT_TRUE(parse_mem_record(format_mem_record(r), "again", again, error)) << error.message();
  EXPECT_EQ(format_mem_record(again), format_mem_record(r));
}

// The plugin's clock=1: A, W and R lines end with the guest's trace clock (ns=), kept and printed
// back; anything else after a line's fields is an error.
TEST(MemRecord, LinesMayEndWithTheGuestsTraceClock) {
  MemRecord r;
  TraceError error;
  ASSERT_TRUE(parse_mem_record(
      "A 4294896208 1 236 oopsim-restartd 0x0 0xffff88801ff59840 0xffffc90000530000 "
      "ns=16772407123\n"
      "W 4294896209 0xffffffff811bcc00 0xffff8880050cf230 4 0x2a slab 0xffff8880050cf200 0x200 "
      "kmalloc-512 ns=16772408000\n"
      "R 4294896210 0 163 oopsim-tcpstrea 0x0 0xffffffff811bbd19 0xffff8880050cf230 4 1 "
      "ns=16772409999\n",
      "mem.txt", r, error))
      << error.message();
  EXPECT_EQ(r.activation->who.ns, 16772407123u);
  EXPECT_EQ(r.writes[0].ns, 16772408000u);
  EXPECT_EQ(r.reads[0].who.ns, 16772409999u);
  MemRecord again;
  ASSERT_TRUE(parse_mem_record(format_mem_record(r), "again", again, error)) << error.message();
  EXPECT_EQ(again.writes[0].ns, 16772408000u);
  EXPECT_FALSE(parse_mem_record(
      "A 4294896208 1 236 x 0x0 0xffff88801ff59840 0xffffc90000530000 ns=1 more\n", "f", r, error));
  EXPECT_FALSE(parse_mem_record(
      "A 4294896208 1 236 x 0x0 0xffff88801ff59840 0xffffc90000530000 t=1\n", "f", r, error));
}

// The header says the guest's jiffies clock (its CONFIG_HZ): another kernel may tick at another
// rate; a header that says it badly is an error.
TEST(MemRecord, TheHeaderGivesTheJiffiesClock) {
  MemRecord r;
  TraceError error;
  ASSERT_TRUE(parse_mem_record(
      "# mem (QEMU plugin) site 0x1: x; jiffies (HZ=100, INITIAL_JIFFIES=4294937296)\n", "m", r,
      error))
      << error.message();
  EXPECT_EQ(r.hz, 100u);
  EXPECT_EQ(r.initial, 4294937296u);
  MemRecord d;
  ASSERT_TRUE(parse_mem_record("# mem (QEMU plugin) site 0x1: older, no clock\n", "m", d, error));
  EXPECT_EQ(d.hz, 250u);  // the default: what records said before they named it
  MemRecord bad;
  EXPECT_FALSE(parse_mem_record("# jiffies (HZ=0, INITIAL_JIFFIES=1)\n", "m", bad, error));
  EXPECT_EQ(error.line, 1u);
}

TEST(MemRecord, ABadLineIsAnErrorNamingItsFileAndLine) {
  struct Case {
    const char* text;
    std::uint64_t line;
    const char* says;
  } cases[] = {
      {"W 1 0x1 0x2 8 0 stack 0x0 0x4000 -\n", 1, "before the activation"},
      {"A 1 0 5 x 0 0x1 0x2\nW 1 0x1 0x2 8 0 heap 0x0 0x10 -\n", 2, "no known region"},
      {"A 1 0 5 x 0 0x1 0x2\nR 2 0 6 y 0 0x1 0x2 8 1\n", 2, "not before it"},
      {"A 1 0 5 x 0 0x1 0x2\nA 1 0 5 x 0 0x1 0x2\n", 2, "second activation"},
      {"A 1 0 5 x 0 0x1\n", 1, "an A line is not"},
      {"\n# fine\nQ 1\n", 3, "neither A, W, E, R, S"},
      {"S loads=many\n", 1, "KEY=N"},
  };
  for (const Case& c : cases) {
    MemRecord r;
    TraceError error;
    EXPECT_FALSE(parse_mem_record(c.text, "run/mem.txt", r, error)) << c.text;
    EXPECT_EQ(error.file, "run/mem.txt");
    EXPECT_EQ(error.line, c.line) << c.text;
    EXPECT_NE(error.what.find(c.says), std::string::npos) << error.what;
  }
}

}  // namespace
}  // namespace oopsim::traces

namespace oopsim::traces {
namespace {

// Spinlocks the record shows taken and not released: a store inside a lock function (not to the
// stack, not to the CPU's preempt count), with no later store to the same word from the unlock.
TEST(RecordedHolds, ATakeWithNoReleaseIsHeldAndTheOthersAreNot) {
  Kallsyms syms;
  syms.load(
      "0000000000001fb40 A __preempt_count\n"
      "ffffffff81a60000 T _raw_spin_lock\n"
      "ffffffff81a60100 T _raw_spin_unlock\n"
      "ffffffff81a60200 T _raw_spin_trylock\n"
      "ffffffff81a60300 T rmqueue_bulk\n");
  MemRecord r;
  TraceError error;
  ASSERT_TRUE(parse_mem_record(
      "A 10 0 228 oopsim-streamer 0 0xffff888007d20000 0xffffc90000470000\n"
      // preempt count, then the lock word of lock A; stack push
      "W 10 0xffffffff81a60004 0xffff88801f11fb40 4 0x1 percpu 0xffff88801f100000 0x35000 cpu1\n"
      "W 10 0xffffffff81a60008 0xffff88801fb03ad0 4 0x1 slab 0xffff88801fb03a00 0x100 zone\n"
      "W 10 0xffffffff81a60001 0xffffc90000473f00 8 0x0 stack 0xffffc90000470000 0x4000 -\n"
      // lock B taken and released
      "W 11 0xffffffff81a60008 0xffffffff82a00040 4 0x1 global 0x0 0x0 -\n"
      "W 11 0xffffffff81a60108 0xffffffff82a00040 1 0x0 global 0x0 0x0 -\n"
      // a trylock of lock C (a failed one writes the word too)
      "W 12 0xffffffff81a60208 0xffffffff82a00080 4 0x1 global 0x0 0x0 -\n"
      // rmqueue_bulk's own store is not a take
      "W 12 0xffffffff81a60310 0xffff88801fb03b00 8 0x5 slab 0xffff88801fb03a00 0x100 zone\n"
      "E 13 oops\n",
      "mem.txt", r, error))
      << error.message();
  std::vector<RecordedHold> held = recorded_holds(r, syms);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].address, 0xffff88801fb03ad0u);
  EXPECT_EQ(held[0].kind, models::LockKind::kSpinlock);
  EXPECT_EQ(held[0].jiffies, 10u);
}

// Where the preempt count is no symbol of its own (6.2 on: a field of pcpu_hot), the record's
// header says its per-CPU offset, and a lock function's store there is not a take; the header's
// value round-trips.
TEST(RecordedHolds, ThePreemptCountTheHeaderNamesIsNoLockWord) {
  Kallsyms syms;
  syms.load(
      "0000000000035180 A pcpu_hot\n"
      "ffffffff81a60000 T _raw_spin_lock\n");
  MemRecord r;
  TraceError error;
  ASSERT_TRUE(parse_mem_record(
      "# mem (QEMU plugin) site 0x1: x; jiffies (HZ=250, INITIAL_JIFFIES=4294892296); "
      "preempt_count=217480\n"
      "A 10 0 228 oopsim-streamer 0 0xffff888007d20000 0xffffc90000470000\n"
      "W 10 0xffffffff81a60004 0xffff88801f135188 4 0x1 percpu 0xffff88801f100000 0x35000 cpu1\n"
      "E 13 oops\n",
      "mem.txt", r, error))
      << error.message();
  ASSERT_TRUE(r.preempt_count);
  EXPECT_EQ(*r.preempt_count, 0x35188u);
  EXPECT_TRUE(recorded_holds(r, syms).empty());
  MemRecord again;
  ASSERT_TRUE(parse_mem_record(format_mem_record(r), "m", again, error)) << error.message();
  EXPECT_EQ(again.preempt_count, r.preempt_count);
  r.preempt_count.reset();  // not said, and no __preempt_count: the store looks like a take
  EXPECT_EQ(recorded_holds(r, syms).size(), 1u);
}

}  // namespace
}  // namespace oopsim::traces
