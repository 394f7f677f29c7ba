#include <gtest/gtest.h>

#include "traces/import/console_clock.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/kallsyms.h"

namespace oopsim::traces {
namespace {

TEST(FtraceLine, ParsesTaskIrqAndKprobeLinesAsTheGuestWritesThem) {
  FtraceLine l;
  ASSERT_TRUE(parse_ftrace_line(
      "  oopsim-fsbench-158     [001] .....    16.691064: mutex_lock: (mutex_lock+0x0/0x30) "
      "lock=0xffff8880071a0088 caller=0xffffffffc028842a",
      l));
  EXPECT_EQ(l.comm, "oopsim-fsbench");
  EXPECT_EQ(l.pid, 158);
  EXPECT_EQ(l.cpu, 1);
  EXPECT_EQ(l.irq, '.');
  EXPECT_EQ(l.time_us, 16691064u);
  EXPECT_EQ(l.event, "mutex_lock");
  EXPECT_EQ(payload_field(l.payload, "lock"), "0xffff8880071a0088");
  EXPECT_EQ(payload_field(l.payload, "caller"), "0xffffffffc028842a");
  ASSERT_TRUE(parse_ftrace_line(
      "          <idle>-0       [000] d.h2.    16.687448: spin_lock: (_raw_spin_lock+0x0/0x30) "
      "lock=0xffff88801f031c40 caller=0xffffffff810dc0cc",
      l));
  EXPECT_EQ(l.comm, "<idle>");
  EXPECT_EQ(l.irq, 'h');
  ASSERT_TRUE(
      parse_ftrace_line("    kworker/u4:0-9       [000] d..1.    16.688004: spin_trylock_ret: "
                        "(__mem_cgroup_flush_stats+0x21/0x80 <- _raw_spin_trylock) ret=1",
                        l));
  EXPECT_EQ(l.comm, "kworker/u4:0");
  EXPECT_EQ(payload_field(l.payload, "ret"), "1");
  EXPECT_FALSE(parse_ftrace_line("# tracer: nop", l));
  EXPECT_FALSE(parse_ftrace_line("garbage", l));
}

// Seen in runs from the saved state under QEMU 10: the trace clock 0.2 s ahead of the console's.
// Each workload writes its progress line to the console and then to the trace marker: the
// smallest gap is the offset (the other line waited for its writer to print it).
TEST(ConsoleClock, TheSmallestGapBetweenAProgressLineOnTheConsoleAndInTheMarkerIsTheOffset) {
  const std::string console =
      "[   16.460140] PROGRESS vfat 109 pid=159 bytes=1785856 errors=0\n"
      "[   16.517696] PROGRESS audio 563 pid=162 frames=576512 xruns=1 rate=47556\n"
      "[   16.555321] BUG: kernel NULL pointer dereference, address: 000000000000000f\n";
  std::vector<FtraceLine> trace(3);
  ASSERT_TRUE(parse_ftrace_line(
      "  oopsim-fsbench-159     [001] .....    16.696941: tracing_mark_write: PROGRESS vfat 109 "
      "pid=159 bytes=1785856 errors=0",
      trace[0]));
  ASSERT_TRUE(parse_ftrace_line(
      "    oopsim-audio-162     [001] .....    16.712878: tracing_mark_write: PROGRESS audio 563 "
      "pid=162 frames=576512 xruns=1 rate=47556",
      trace[1]));
  ASSERT_TRUE(parse_ftrace_line(
      "  oopsim-fsbench-158     [001] .....    16.800000: tracing_mark_write: PROGRESS ext4 7 "
      "pid=158",
      trace[2]));  // not on this console
  EXPECT_EQ(console_offset_us(trace, console), 16712878 - 16517696);
  EXPECT_EQ(on_trace_clock(16555321, 195182), 16750503u);
  EXPECT_EQ(console_offset_us(trace, "[    1.000000] nothing\n"), 0);  // no line in both
  EXPECT_EQ(on_trace_clock(100, -200), 0u);
}

// A run that crashed at once after its restore has no progress line in both clocks; its golden
// run restored the same state, whose clocks differ by the same offset: it lends its own.
TEST(ConsoleClock, ARunWithNoPairedLineTakesItsGoldenRunsOffset) {
  PairedOffsets both = paired_offsets(195182, 201000);
  EXPECT_EQ(both.injected_us, 195182);
  EXPECT_EQ(both.golden_us, 201000);
  EXPECT_FALSE(both.injected_borrowed);
  PairedOffsets early = paired_offsets(std::nullopt, 201000);
  EXPECT_EQ(early.injected_us, 201000);
  EXPECT_TRUE(early.injected_borrowed);
  PairedOffsets golden_without = paired_offsets(195182, std::nullopt);
  EXPECT_EQ(golden_without.golden_us, 195182);
  EXPECT_FALSE(golden_without.injected_borrowed);
  PairedOffsets neither = paired_offsets(std::nullopt, std::nullopt);
  EXPECT_EQ(neither.injected_us, 0);
  EXPECT_EQ(neither.golden_us, 0);
  std::vector<FtraceLine> none;
  EXPECT_FALSE(paired_console_offset_us(none, parse_console_progress("")).has_value());
}

TEST(ConsoleLog, FindsTheOopsItsTaskAndFunctionAndTheDetectors) {
  const std::string console =
      "[   20.005131] BUG: kernel NULL pointer dereference, address: 0000000000000070\n"
      "[   20.007012] #PF: supervisor read access in kernel mode\n"
      "[   20.008011] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
      "[   20.008011] CPU: 1 PID: 226 Comm: oopsim-restartd Not tainted 6.1.0-56-amd64 #1  Debian "
      "6.1.192-2\n"
      "[   20.008011] RIP: 0010:__x64_sys_newuname+0x5/0x10\n"
      "[   20.008011] ---[ end trace 0000000000000000 ]---\n"
      "[   26.100000] watchdog: BUG: soft lockup - CPU#0 stuck for 4s! [ps:900]\n"
      "[   27.000000] INFO: task cp:311 blocked for more than 5 seconds.\n"
      "[   28.000000] FAIL vfat write errno=5\n"
      "[   29.000000] Kernel panic - not syncing: Fatal exception\n";
  auto reports = parse_console(console);
  ASSERT_EQ(reports.size(), 5u);
  EXPECT_EQ(reports[0].type, ConsoleReport::Type::kOops);
  EXPECT_EQ(reports[0].time_us, 20005131u);
  EXPECT_EQ(reports[0].pid, 226);
  EXPECT_EQ(reports[0].comm, "oopsim-restartd");
  EXPECT_EQ(reports[0].function, "__x64_sys_newuname+0x5/0x10");
  EXPECT_EQ(reports[0].kind, models::OopsKind::kNullDereference);
  EXPECT_EQ(reports[1].type, ConsoleReport::Type::kSoftLockup);
  EXPECT_EQ(reports[1].pid, 900);
  EXPECT_EQ(reports[2].type, ConsoleReport::Type::kHungTask);
  EXPECT_EQ(reports[2].comm, "cp");
  EXPECT_EQ(reports[2].pid, 311);
  EXPECT_EQ(reports[3].type, ConsoleReport::Type::kWorkloadError);
  EXPECT_EQ(reports[3].comm, "vfat");
  EXPECT_EQ(reports[4].type, ConsoleReport::Type::kPanic);
  EXPECT_EQ(kernel_release_from_console(console), "6.1.0-56-amd64");
}

TEST(ConsoleLog, InterleavedLinesFromTwoCpusLeaveTheTaskUnknownInsteadOfThrowing) {
  // Seen live: two CPUs' oops headers interleaved on the serial console.
  std::string text =
      "[   22.150000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
      "[   22.153233] CPU: 1[   22.153233] CPU: 1 PID:  PID: 20 Comm: migration/1 Tainted: G\n"
      "[   22.153300] RIP: 0010:__schedule+0x6f3/0xa00\n"
      "[   23.000000] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [oopsim-fsbench:x]\n"
      "[   24.000000] INFO: task ps: blocked for more than 2 seconds.\n";
  std::vector<ConsoleReport> r;
  ASSERT_NO_THROW(r = parse_console(text));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].pid, -1);
  EXPECT_EQ(r[0].function, "__schedule+0x6f3/0xa00");
  EXPECT_EQ(r[1].pid, -1);
  EXPECT_EQ(r[2].pid, -1);
}

TEST(ConsoleLog, AListCorruptionLineBeforeItsBugHeaderIsOneReportWithTheHeadersTask) {
  // Seen live under TCG: the list-debug message, then 8 ms later the BUG report with the task.
  std::string text =
      "[   14.230515] list_del corruption, ffff888005b0e728->next is NULL\n"
      "[   14.238206] ------------[ cut here ]------------\n"
      "[   14.238341] kernel BUG at lib/list_debug.c:49!\n"
      "[   14.238838] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n"
      "[   14.239039] CPU: 1 PID: 159 Comm: oopsim-fsbench Not tainted 6.1.0-56-amd64 #1\n"
      "[   14.239437] RIP: 0010:__list_del_entry_valid.cold+0xf/0x6f\n";
  std::vector<ConsoleReport> r = parse_console(text);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].pid, 159);
  EXPECT_EQ(r[0].cpu, 1);
  EXPECT_EQ(r[0].comm, "oopsim-fsbench");
  EXPECT_EQ(r[0].time_us, 14230515u);
}

TEST(ConsoleLog, AnOopsKeepsItsOwnTaskAndCpuAndLearnsItRanInAnInterruptFromThePanic) {
  const std::string console =
      "[   17.003943] kernel BUG at fs/buffer.c:1219!\r\n"
      "[   17.003943] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\r\n"
      "[   17.003943] CPU: 1 PID: 14 Comm: ksoftirqd/1 Tainted: G        W          "
      "6.1.0-56-amd64 #1  Debian 6.1.192-2\r\n"
      "[   17.003943] RIP: 0010:__find_get_block+0x2f1/0x300\r\n"
      "[   17.093172] BUG: scheduling while atomic: usb-storage/150/0x00000002\r\n"
      "[   17.094590] CPU: 0 PID: 150 Comm: usb-storage Tainted: G      D W          "
      "6.1.0-56-amd64 #1  Debian 6.1.192-2\r\n"
      "[   17.149123]  <IRQ>\r\n"
      "[   17.200000] Kernel panic - not syncing: Fatal exception in interrupt\r\n";
  auto reports = parse_console(console);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].type, ConsoleReport::Type::kOops);
  EXPECT_EQ(reports[0].pid, 14);  // not the later report's task
  EXPECT_EQ(reports[0].cpu, 1);
  EXPECT_EQ(reports[0].comm, "ksoftirqd/1");
  EXPECT_EQ(reports[0].function, "__find_get_block+0x2f1/0x300");  // no carriage return
  EXPECT_TRUE(reports[0].in_interrupt);  // from the panic's verdict, not the later <IRQ>
  EXPECT_EQ(reports[1].type, ConsoleReport::Type::kPanic);
}

// The stack protector panics at once, with no oops before it (seen: an INVERSE in the sound
// module's snd_power_ref_and_wait): the panic is the crash, of its own kind, with its task.
TEST(ConsoleLog, AStackProtectorPanicIsTheCrashItselfWithItsTask) {
  const std::string console =
      "[   16.385788] PROGRESS vfat 109 pid=159 bytes=1785856 errors=0\n"
      "[   16.422461] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: "
      "snd_power_ref_and_wait+0x155/0x160 [snd]\n"
      "[   16.422461] CPU: 1 PID: 162 Comm: oopsim-audio Not tainted 6.1.0-56-amd64 #1  Debian "
      "6.1.192-2\n"
      "[   16.422461] Call Trace:\n"
      "[   16.422461]  panic+0x118/0x2f4\n"
      "[   16.422461] RIP: 0033:0x431ebb\n";
  auto reports = parse_console(console);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].type, ConsoleReport::Type::kOops);
  EXPECT_EQ(reports[0].kind, models::OopsKind::kStackProtector);
  EXPECT_EQ(reports[0].pid, 162);
  EXPECT_EQ(reports[0].comm, "oopsim-audio");
  EXPECT_EQ(reports[0].function, "snd_power_ref_and_wait+0x155/0x160");  // not the user RIP
  EXPECT_EQ(reports[1].type, ConsoleReport::Type::kPanic);
}

TEST(Kallsyms, SymbolizesAddressesAndKnowsModules) {
  Kallsyms k;
  k.load(
      "ffffffff810dc000 T do_thing\nffffffff810dd000 T next_thing\n"
      "ffffffffc0288000 t fat_get_cluster\t[fat]\nffffffff82a00000 D jiffies_lock\n");
  EXPECT_EQ(k.symbolize(0xffffffff810dc0ccull), "do_thing+0xcc");
  Kallsyms::Hit h;
  ASSERT_TRUE(k.lookup(0xffffffffc028842aull, h));
  EXPECT_EQ(h.name, "fat_get_cluster");
  EXPECT_EQ(h.module, "fat");
  ASSERT_TRUE(k.lookup(0xffffffff82a00000ull, h));
  EXPECT_EQ(h.type, 'D');
  EXPECT_EQ(k.symbolize(0x10), "0x10");
}

}  // namespace
}  // namespace oopsim::traces
