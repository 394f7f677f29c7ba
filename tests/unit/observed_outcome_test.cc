// The importer's live classifier on a small hand-made paired run: which processes belong to a
// workload, and which outcome an oops in one of them gives it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "traces/format/packet_source.h"
#include "traces/format/trace_summary.h"
#include "traces/import/observed_outcome.h"
#include "traces/import/run_importer.h"

namespace oopsim::traces {
namespace {

std::string oops(const std::string& at, int pid, const std::string& comm, int n) {
  return "[" + at + "] BUG: kernel NULL pointer dereference, address: 0000000000000070\n[" + at +
         "] Oops: 0000 [#" + std::to_string(n) + "] PREEMPT SMP NOPTI\n[" + at +
         "] CPU: 0 PID: " + std::to_string(pid) + " Comm: " + comm +
         " Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2\n[" + at +
         "] RIP: 0010:do_nanosleep+0x5/0x10\n";
}

std::string line(const std::string& task, int cpu, const std::string& t, const std::string& rest) {
  return "  " + task + "     [00" + std::to_string(cpu) + "] .....    " + t + ": " + rest + "\n";
}

// Imports the paired run into a temporary trace named `name` and summarises it.
::testing::AssertionResult import_and_summarize(const RunText& injected, const RunText& golden,
                                                const ImportOptions& options,
                                                const std::string& name, ImportStats& stats,
                                                TraceSummary& s) {
  std::string out = (std::filesystem::temp_directory_path() / name).string();
  TraceError e;
  auto writer = create_trace_writer(out, TraceForm::kBinary, e);
  if (!writer) return ::testing::AssertionFailure() << e.message();
  if (!import_paired_run(injected, golden, options, *writer, stats, e))
    return ::testing::AssertionFailure() << "import: " << e.message();
  writer.reset();
  TraceReader reader(open_trace(out, e));
  if (!summarize(reader, s, e)) return ::testing::AssertionFailure() << "summary: " << e.message();
  return ::testing::AssertionSuccess();
}

// Imports `ftrace` as both runs, the injected one ending in an oops of oopsim-fsbench[157] at
// 16.3 s, as the temporary trace `name`, and summarises it.
::testing::AssertionResult import_with_fsbench_oops(const std::string& ftrace,
                                                    const std::string& name, TraceSummary& s) {
  RunText injected{
      "injected", ftrace, oops("   16.300000", 157, "oopsim-fsbench", 1), "", "", "", "", "", ""};
  RunText gold{"golden", ftrace, "", "", "", "", "", "", ""};
  ImportOptions options;
  ImportStats stats;
  return import_and_summarize(injected, gold, options, name, stats, s);
}

std::map<std::string, models::Outcome> observed_by_workload(const TraceSummary& s) {
  std::map<std::string, models::Outcome> by_workload;
  for (const auto& o : s.observed) by_workload[o.workload] = o.outcome;
  return by_workload;
}

// Imports the paired run (default options) as the temporary trace `name`: each workload's
// observed outcome.
::testing::AssertionResult import_observed(const RunText& injected, const RunText& golden,
                                           const std::string& name,
                                           std::map<std::string, models::Outcome>& observed) {
  ImportOptions options;
  ImportStats stats;
  TraceSummary s;
  ::testing::AssertionResult ok = import_and_summarize(injected, golden, options, name, stats, s);
  if (ok) observed = observed_by_workload(s);
  return ok;
}

// Calls `each` with every event of the trace imported as `name`, and its reader (for the model).
void for_each_event(const std::string& name,
                    const std::function<void(TraceReader&, const models::Event&)>& each) {
  TraceError e;
  TraceReader reader(open_trace((std::filesystem::temp_directory_path() / name).string(), e));
  while (true) {
    TraceReader::Item item = reader.next();
    if (item == TraceReader::Item::kEnd || item == TraceReader::Item::kError) break;
    if (item == TraceReader::Item::kEvent) each(reader, reader.event());
  }
}

TEST(ObservedOutcome, AnOopsInAnotherProcessOfTheWorkloadsProgramIsOopsAgainForIt) {
  // The tcp streamer's receiver (164) writes the progress; its sender (160, forked before the
  // window) runs the same program. The file benchmark (157) crashes first; then the sender
  // oopses: for tcp that is an oops in a process it needs, though not the one it requires.
  std::string ftrace =
      line("oopsim-tcpstrea-164", 0, "16.000000", "tracing_mark_write: PROGRESS tcp 1 pid=164") +
      line("oopsim-tcpstrea-160", 1, "16.050000", "sys_enter: NR 35 (0, 0, 0, 0, 0, 0)") +
      line("oopsim-fsbench-157", 1, "16.100000", "tracing_mark_write: PROGRESS ext4 1 pid=157") +
      line("oopsim-tcpstrea-164", 0, "16.900000", "tracing_mark_write: PROGRESS tcp 2 pid=164");
  std::string golden = ftrace + line("oopsim-fsbench-157", 1, "16.800000",
                                     "tracing_mark_write: PROGRESS ext4 2 pid=157");
  std::string console = oops("   16.300000", 157, "oopsim-fsbench", 1) +
                        oops("   16.500000", 160, "oopsim-tcpstrea", 2);
  RunText injected{"injected", ftrace, console, "", "", "", "", "", ""};
  RunText gold{"golden", golden, "", "", "", "", "", "", ""};
  ImportOptions options;
  models::FaultInfo f;
  f.type = models::FaultType::kVar;
  f.symbol = "do_nanosleep";
  options.fault = f;
  ImportStats stats;
  TraceSummary s;
  ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_observed_test.pb", stats, s));
  std::map<std::string, models::Outcome> observed = observed_by_workload(s);
  EXPECT_EQ(observed["ext4"], models::Outcome::kNoProc);
  EXPECT_EQ(observed["tcp"], models::Outcome::kOopsAgain);
  // The sender belongs to tcp in the trace too, so the engine sees the same membership.
  bool sender_in_tcp = false;
  for (const models::ContextInfo& c : s.model.contexts) {
    if (c.pid == 160) sender_in_tcp = c.workloads == std::vector<std::string>{"tcp"};
  }
  EXPECT_TRUE(sender_in_tcp);
}

// The golden run's trace is the replay's continuation after the crash: one that ends before the
// observation window does (its stream fell behind the guest) is reported with by how much.
TEST(ObservedOutcome, AGoldenTraceEndingBeforeTheWindowIsReportedShort) {
  std::string ftrace =
      line("oopsim-fsbench-157", 1, "16.100000", "tracing_mark_write: PROGRESS ext4 1 pid=157") +
      line("oopsim-tcpstrea-164", 0, "16.200000", "tracing_mark_write: PROGRESS tcp 1 pid=164");
  RunText injected{
      "injected", ftrace, oops("   16.300000", 157, "oopsim-fsbench", 1), "", "", "", "", "", ""};
  ImportOptions options;
  options.observe_window_us = 2000000;
  TraceSummary s;
  ImportStats cut;
  RunText short_gold{"golden", ftrace, "", "", "", "", "", "", ""};  // ends at 16.2 s
  ASSERT_TRUE(
      import_and_summarize(injected, short_gold, options, "oopsim_short_golden.pb", cut, s));
  EXPECT_EQ(cut.golden_short_us, 18300000u - 16200000u);  // crash 16.3 s + 2 s window
  ImportStats whole;
  RunText long_gold{"golden",
                    ftrace + line("oopsim-tcpstrea-164", 0, "18.400000",
                                  "tracing_mark_write: PROGRESS tcp 2 pid=164"),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ""};
  ASSERT_TRUE(
      import_and_summarize(injected, long_gold, options, "oopsim_whole_golden.pb", whole, s));
  EXPECT_EQ(whole.golden_short_us, 0u);
}

TEST(ObservedOutcome, AnOopsOnTheWayOutOfExitIsTheCrash) {
  // The exit tracepoint fires as do_exit begins; the daemon then oopses while dropping its
  // dentries. That oops is the crash (it was ignored as the oops of an exited task).
  std::string ftrace = line("oopsim-restartd-162", 0, "16.000000",
                            "tracing_mark_write: PROGRESS restartd 4 pid=162") +
                       line("oopsim-restartd-253", 1, "16.100000",
                            "sched_process_exit: comm=oopsim-restartd pid=253 prio=120") +
                       line("oopsim-restartd-162", 0, "16.900000",
                            "tracing_mark_write: PROGRESS restartd 5 pid=162");
  RunText injected{
      "injected", ftrace, oops("   16.110000", 253, "oopsim-restartd", 1), "", "", "", "", "", ""};
  RunText gold{"golden", ftrace, "", "", "", "", "", "", ""};
  ImportOptions options;
  ImportStats stats;
  TraceSummary s;
  ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_exit_oops_test.pb", stats, s));
  EXPECT_TRUE(stats.crashed);
  ASSERT_TRUE(s.crash);
  EXPECT_EQ(s.model.context(s.crash->context)->pid, 253);
}

TEST(ObservedOutcome, ConsoleProgressCountsWhenTheTraceStopsAfterTheCrash) {
  // The crash takes the trace transport down: the trace has no event after it, but the workloads
  // go on printing their progress on the console. That is progress, not a silent stall. A
  // workload that prints nothing after the crash, anywhere, while the golden run's went on, did
  // stall.
  std::string ftrace =
      line("oopsim-fsbench-157", 1, "16.100000", "tracing_mark_write: PROGRESS ext4 100 pid=157") +
      line("oopsim-fsbench-158", 0, "16.100000", "tracing_mark_write: PROGRESS vfat 100 pid=158");
  std::string golden =
      ftrace +
      line("oopsim-fsbench-157", 1, "16.800000", "tracing_mark_write: PROGRESS ext4 106 pid=157") +
      line("oopsim-fsbench-158", 0, "16.800000", "tracing_mark_write: PROGRESS vfat 106 pid=158");
  std::string console = oops("   16.300000", 161, "oopsim-audio", 1) +
                        "[   16.900000] PROGRESS ext4 106 pid=157 bytes=1736704 errors=0\r\n" +
                        "[   17.900000] PROGRESS ext4 112 pid=157 bytes=1802240 errors=0\n";
  RunText injected{"injected", ftrace, console, "", "", "", "", "", ""};
  RunText gold{"golden", golden, "", "", "", "", "", "", ""};
  std::map<std::string, models::Outcome> observed;
  ASSERT_TRUE(import_observed(injected, gold, "oopsim_console_progress.pb", observed));
  EXPECT_EQ(observed["ext4"], models::Outcome::kNotManifest);
  EXPECT_EQ(observed["vfat"], models::Outcome::kDeadlock);
}

// Each run goes on after its recording stops ("OOPSIM TRACE END") for as long as its stream takes
// to drain, and its console with it: the golden run here drained 9 s longer. A workload whose
// progress kept coming up to the end of the shorter record did not stall; one whose progress
// stopped within it did.
TEST(ObservedOutcome, BothRunsAreJudgedOverTheSpanBothRecorded) {
  auto progress = [](const std::string& t, int ext4, int vfat) {
    return line("oopsim-fsbench-157", 1, t,
                "tracing_mark_write: PROGRESS ext4 " + std::to_string(ext4) + " pid=157") +
           line("oopsim-fsbench-158", 0, t,
                "tracing_mark_write: PROGRESS vfat " + std::to_string(vfat) + " pid=158");
  };
  auto end = [](const std::string& t) {
    return line("oopsim-streamer-245", 0, t, "tracing_mark_write: OOPSIM TRACE END");
  };
  std::string before = progress("16.100000", 100, 100);
  // Injected: ext4 goes on to the recording's end at 19 s; vfat stops at 16.5 s.
  std::string inj =
      before +
      line("oopsim-fsbench-157", 1, "16.500000", "tracing_mark_write: PROGRESS ext4 104 pid=157") +
      line("oopsim-fsbench-158", 0, "16.500000", "tracing_mark_write: PROGRESS vfat 104 pid=158") +
      line("oopsim-fsbench-157", 1, "18.900000", "tracing_mark_write: PROGRESS ext4 128 pid=157") +
      end("19.000000");
  std::string gold = before;
  for (int i = 0; i < 6; ++i)
    gold += progress(fmt::format("{}.{}00000", 16 + (i + 1) / 2, (i + 1) % 2 ? 5 : 0), 104 + 4 * i,
                     104 + 4 * i);
  gold += end("19.000000");
  // Both consoles go on through the drains: the injected run's to 21 s, the golden run's to 30 s.
  std::string inj_console = oops("   16.300000", 161, "oopsim-audio", 1) +
                            "[   16.500000] PROGRESS ext4 104 pid=157 bytes=1 errors=0\n" +
                            "[   21.000000] PROGRESS ext4 148 pid=157 bytes=2 errors=0\n";
  std::string gold_console = "[   16.500000] PROGRESS ext4 104 pid=157 bytes=1 errors=0\n";
  for (int t = 20; t <= 30; ++t) {
    gold_console += fmt::format("[   {}.000000] PROGRESS ext4 {} pid=157 bytes={} errors=0\n", t,
                                100 + 10 * t, t);
    gold_console += fmt::format("[   {}.000000] PROGRESS vfat {} pid=158 bytes={} errors=0\n", t,
                                100 + 10 * t, t);
  }
  RunText injected{"injected", inj, inj_console, "", "", "", "", "", ""};
  RunText golden{"golden", gold, gold_console, "", "", "", "", "", ""};
  std::map<std::string, models::Outcome> observed;
  ASSERT_TRUE(import_observed(injected, golden, "oopsim_span.pb", observed));
  EXPECT_EQ(observed["ext4"], models::Outcome::kNotManifest);
  EXPECT_EQ(observed["vfat"], models::Outcome::kDeadlock);
}

// A workload silent through the judged span whose progress comes again later (its console goes
// on while the stream drains) was slow, not blocked for good: not a deadlock.
TEST(ObservedOutcome, ProgressThatComesAgainAfterTheJudgedSpanIsNoDeadlock) {
  auto mark = [](const std::string& t, int n) {
    return line("oopsim-fsbench-160", 0, t,
                "tracing_mark_write: PROGRESS usb " + std::to_string(n) + " pid=160");
  };
  std::string end =
      line("oopsim-streamer-245", 0, "19.000000", "tracing_mark_write: OOPSIM TRACE END");
  std::string inj = mark("16.100000", 100) + end;
  std::string gold = mark("16.100000", 100);
  for (int i = 1; i <= 5; ++i) gold += mark(fmt::format("{}.500000", 16 + i / 2), 100 + i);
  gold += end;
  for (const auto& [later, want] :
       {std::pair{std::string("[   20.500000] PROGRESS usb 101 pid=160 bytes=1 errors=0\n"),
                  models::Outcome::kNotManifest},
        std::pair{std::string(), models::Outcome::kDeadlock}}) {
    RunText injected{"injected", inj, oops("   16.300000", 161, "oopsim-audio", 1) + later,
                     "",         "",  "",
                     "",         "",  ""};
    RunText golden{"golden", gold, "", "", "", "", "", "", ""};
    std::map<std::string, models::Outcome> observed;
    ASSERT_TRUE(import_observed(injected, golden, "oopsim_late.pb", observed));
    EXPECT_EQ(observed["usb"], want) << later;
  }
}

// The console stamps an oops report's first line before the task prints it (taking and letting
// go of the console's locks) and enters oops_begin, which the QEMU plugin times exactly: the crash
// is placed there, so the task does not die holding the console's lock it let go of.
TEST(ObservedOutcome, TheCrashIsPlacedAtTheOopsEntryThePluginTimed) {
  std::string ftrace =
      line("oopsim-fsbench-157", 0, "16.300000",
           "spin_lock_irqsave: (_raw_spin_lock_irqsave+0x0/0x50) lock=0xffffffff82ad44e0 "
           "caller=0xffffffff81a55270") +
      line("oopsim-fsbench-157", 0, "16.300013",
           "spin_unlock_irqrestore: (_raw_spin_unlock_irqrestore+0x0/0x40) "
           "lock=0xffffffff82ad44e0 caller=0xffffffff81a5528f") +
      line("oopsim-fsbench-158", 1, "16.200000", "tracing_mark_write: PROGRESS ext4 100 pid=158");
  // A panicking kernel stamps the whole report with one time: its panic still follows the crash.
  std::string console = oops("   16.300000", 157, "oopsim-fsbench", 1) +
                        "[   16.300000] Kernel panic - not syncing: Fatal exception\n";
  for (const auto& [state, at] :
       {std::pair{std::string("4294896371 0 157 oopsim-fsbench 0x0 0x202 ns=16306500123\n"),
                  std::uint64_t{16306500}},
        std::pair{std::string(), std::uint64_t{16300000}},
        // A plugin clock running early never puts the crash before the console's stamp.
        std::pair{std::string("4294896371 0 157 oopsim-fsbench 0x0 0x202 ns=16298000000\n"),
                  std::uint64_t{16300000}}}) {
    RunText injected{"injected", ftrace, console, "", "", "", "", "", ""};
    injected.crash_state = state;
    RunText gold{"golden", ftrace, "", "", "", "", "", "", ""};
    ImportOptions options;
    ImportStats stats;
    TraceSummary s;
    ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_oops_entry.pb", stats, s));
    ASSERT_TRUE(s.crash);
    EXPECT_EQ(s.crash->time, at) << state;
    EXPECT_EQ(stats.crash_moved_us, static_cast<std::int64_t>(at - 16300000));
    EXPECT_EQ(observed_by_workload(s)["ext4"], models::Outcome::kPanic);
  }
}

TEST(ObservedOutcome, TheJudgedSpanEndsAtTheEarlierRecordingEnd) {
  EXPECT_EQ(judged_until_us(10, 0, 50, 40), 40u);
  EXPECT_EQ(judged_until_us(10, 0, std::nullopt, 40), 40u);  // the injected guest stopped
  EXPECT_EQ(judged_until_us(10, 20, 50, 40), 30u);
  EXPECT_GT(judged_until_us(10, 0, std::nullopt, std::nullopt), 1'000'000'000u);
  std::vector<FtraceLine> lines(2);
  lines[0].time_us = 5;
  lines[0].event = "tracing_mark_write";
  lines[0].payload = "OOPSIM TRACE END";
  lines[1] = lines[0];
  lines[1].time_us = 60;
  EXPECT_EQ(recording_end_us(lines, 10), std::optional<std::uint64_t>(60));
  EXPECT_EQ(recording_end_us(lines, 70), std::nullopt);
}

// The plugin's blocked.txt says where a stalled workload's process sleeps at the run's end: the
// observed deadlock (progress stopped, no detector report) names it.
TEST(ObservedOutcome, AStalledWorkloadsDetailSaysWhereItsProcessSleeps) {
  std::string ftrace =
      line("oopsim-fsbench-158", 0, "16.100000", "tracing_mark_write: PROGRESS vfat 100 pid=158");
  std::string golden = ftrace + line("oopsim-fsbench-158", 0, "16.800000",
                                     "tracing_mark_write: PROGRESS vfat 106 pid=158");
  RunText injected{"injected", ftrace, oops("   16.300000", 161, "oopsim-audio", 1), "", "", "", "",
                   "",         ""};
  // 16.5 s after boot is jiffy INITIAL_JIFFIES + 4125 at HZ=250.
  injected.blocked =
      "W 4294896700 120\nB 158 oopsim-fsbench D 4294896421 0xffffffff81a52410 0xffffffff81284020 "
      "0xffffffff81285010\n";
  RunText gold{"golden", golden, "", "", "", "", "", "", ""};
  ImportOptions options;
  options.kallsyms =
      "ffffffff81284000 T folio_wait_bit_common\nffffffff81285000 T filemap_get_pages\n"
      "ffffffff81a52350 T __sched_text_start\nffffffff81a52400 T __schedule\n"
      "ffffffff81a5917a T __sched_text_end\n";
  ImportStats stats;
  TraceSummary s;
  ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_blocked.pb", stats, s));
  bool vfat = false;
  for (const auto& o : s.observed) {
    if (o.workload != "vfat") continue;
    vfat = true;
    EXPECT_EQ(o.outcome, models::Outcome::kDeadlock);
    EXPECT_NE(o.detail.find("oopsim-fsbench[158] asleep (uninterruptible) since 0.200000s after "
                            "the crash in "
                            "folio_wait_bit_common <- filemap_get_pages"),
              std::string::npos)
        << o.detail;
  }
  EXPECT_TRUE(vfat);
}

// The plugin's walks of the task list come from the timer tick: when the last one is before the
// crash while the golden run's progress goes on for seconds, the machine stopped ticking.
TEST(ObservedOutcome, AStalledWorkloadsDetailSaysWhenTheTimerTickStopped) {
  std::string ftrace =
      line("oopsim-fsbench-158", 0, "16.100000", "tracing_mark_write: PROGRESS vfat 100 pid=158");
  std::string golden = ftrace + line("oopsim-fsbench-158", 0, "19.800000",
                                     "tracing_mark_write: PROGRESS vfat 136 pid=158");
  for (auto [walk, stopped] : {std::pair{"4294896370", true}, std::pair{"4294897250", false}}) {
    RunText injected{
        "injected", ftrace, oops("   16.300000", 161, "oopsim-audio", 1), "", "", "", "", "", ""};
    injected.blocked = std::string("W ") + walk + " 70\nB 158 oopsim-fsbench S 4294896300\n";
    RunText gold{"golden", golden, "", "", "", "", "", "", ""};
    ImportOptions options;
    ImportStats stats;
    TraceSummary s;
    ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_tick.pb", stats, s));
    for (const auto& o : s.observed) {
      if (o.workload != "vfat") continue;
      EXPECT_EQ(o.outcome, models::Outcome::kDeadlock);
      EXPECT_EQ(o.detail.find("the timer tick stopped: the last walk of the task list was before "
                              "the crash") != std::string::npos,
                stopped)
          << walk << ": " << o.detail;
    }
  }
}

TEST(ObservedOutcome, ATrylockTakeIsMarkedInTheTrace) {
  // A trylock that got the lock (its return probe says 1) is a take the engine must not wait on
  // when the lock is held: the trace marks it. A plain spin_lock take is not marked.
  std::string ftrace =
      line("oopsim-fsbench-157", 1, "16.000000",
           "spin_trylock: (_raw_spin_trylock+0x0/0x70) lock=0xffff88801f038780 caller=0x0") +
      line("oopsim-fsbench-157", 1, "16.000010",
           "spin_trylock_ret: (rmqueue_pcplist+0x4a/0x200 <- _raw_spin_trylock) ret=1") +
      line("oopsim-fsbench-157", 1, "16.000020",
           "spin_unlock: (_raw_spin_unlock+0x0/0x30) lock=0xffff88801f038780 caller=0x0") +
      line("oopsim-fsbench-157", 1, "16.000030",
           "spin_lock: (_raw_spin_lock+0x0/0x30) lock=0xffff88801fa7dad0 caller=0x0") +
      line("oopsim-fsbench-157", 1, "16.000040",
           "spin_unlock: (_raw_spin_unlock+0x0/0x30) lock=0xffff88801fa7dad0 caller=0x0");
  TraceSummary s;
  ASSERT_TRUE(import_with_fsbench_oops(ftrace, "oopsim_trylock_mark.pb", s));
  int tries = 0, plain = 0;
  for_each_event("oopsim_trylock_mark.pb", [&](TraceReader&, const models::Event& ev) {
    if (ev.type == models::EventType::kLockAcquired) (ev.trylock ? tries : plain) += 1;
  });
  EXPECT_EQ(tries, 2);  // once per section
  EXPECT_EQ(plain, 2);
}

TEST(ObservedOutcome, SiteHitsBecomeSiteRunsOfTheirContextsInTheGoldenSection) {
  // A breakpoint on the fault's site in a fault-free run saw the usb benchmark run it, and a hard
  // interrupt on CPU 1 (its preempt count says so; the task is only the one it interrupted).
  // Jiffies count from INITIAL_JIFFIES at boot, 4 ms each: 4194 ticks after it is 16.776 s.
  std::string ftrace =
      line("oopsim-fsbench-159", 0, "16.000000", "tracing_mark_write: PROGRESS usb 1 pid=159") +
      line("oopsim-fsbench-158", 1, "16.100000", "tracing_mark_write: PROGRESS vfat 1 pid=158");
  std::string hits =
      "# site 0xffffffff81381233; jiffies (HZ=250, INITIAL_JIFFIES=4294892296) cpu pid comm "
      "preempt_count\n"
      "4294896490 0 159 oopsim-fsbench 0x80000000\n"
      "4294896491 1 158 oopsim-fsbench 0x80010000\n";
  RunText injected{
      "injected", ftrace, oops("   16.300000", 158, "oopsim-fsbench", 1), "", "", "", "", "", ""};
  RunText gold{"golden", ftrace, "", hits, "", "", "", "", ""};
  ImportOptions options;
  models::FaultInfo f;
  f.type = models::FaultType::kInterface;
  f.symbol = "dput";
  f.offset = 0x173;
  options.fault = f;
  ImportStats stats;
  TraceSummary s;
  ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_site_runs.pb", stats, s));
  ASSERT_TRUE(s.model.fault);
  EXPECT_TRUE(s.model.fault->site_runs_recorded);
  EXPECT_EQ(s.model.fault->site_run_contexts.size(), 2u);  // both ran it after the crash
  std::vector<std::pair<std::uint64_t, std::string>> runs;
  for_each_event("oopsim_site_runs.pb", [&](TraceReader& reader, const models::Event& ev) {
    if (ev.type == models::EventType::kSiteRun)
      runs.emplace_back(ev.time, reader.model().context(ev.context)->label());
  });
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, 16776000u);
  EXPECT_EQ(runs[0].second, "oopsim-fsbench[159]");
  EXPECT_EQ(runs[1].second, "hardirq/1[0]");
}

TEST(ObservedOutcome, AnAddressProbedAsTwoLockKindsIsTwoLocksAndTheTraceValidates) {
  // Memory freed and reused: a mutex at an address, later an rw-semaphore there taken shared.
  // One lock of one kind could not be taken shared (the trace would not validate): two locks.
  std::string ftrace =
      line("oopsim-fsbench-157", 1, "16.000000",
           "mutex_lock: (mutex_lock+0x0/0x30) lock=0xffff88801f038780 caller=0x0") +
      line("oopsim-fsbench-157", 1, "16.000010",
           "mutex_unlock: (mutex_unlock+0x0/0x30) lock=0xffff88801f038780 caller=0x0") +
      line("oopsim-fsbench-157", 1, "16.000020",
           "down_read: (down_read+0x0/0x30) lock=0xffff88801f038780 caller=0x0") +
      line("oopsim-fsbench-157", 1, "16.000030",
           "up_read: (up_read+0x0/0x30) lock=0xffff88801f038780 caller=0x0");
  TraceSummary s;
  ASSERT_TRUE(import_with_fsbench_oops(ftrace, "oopsim_two_kinds.pb", s));
  ASSERT_EQ(s.model.locks.size(), 2u);
  EXPECT_EQ(s.model.locks[0].address, s.model.locks[1].address);
  EXPECT_EQ(s.model.locks[0].kind, models::LockKind::kMutex);
  EXPECT_EQ(s.model.locks[1].kind, models::LockKind::kRwsem);
}

TEST(ObservedOutcome, ASiteHitsFileWithANonNumberIsAnErrorNamingItsFileAndLine) {
  std::string ftrace =
      line("oopsim-fsbench-159", 0, "16.000000", "tracing_mark_write: PROGRESS usb 1 pid=159");
  RunText injected{
      "injected", ftrace, oops("   16.300000", 159, "oopsim-fsbench", 1), "", "", "", "", "", ""};
  for (const auto& [hits, what] : std::vector<std::pair<std::string, std::string>>{
           {"# site 0x1; jiffies (HZ=zz, INITIAL_JIFFIES=4294892296)\n", "HZ="},
           {"# HZ=250, INITIAL_JIFFIES=4294892296\n4294896490 0 159 oopsim-fsbench 0xq\n",
            "not a number"},
           {"# HZ=250\n4294896490 0 159\n", "is not 'jiffies"}}) {
    RunText gold{"golden", ftrace, "", hits, "run/site-hits.txt", "", "", "", ""};
    ImportOptions options;
    ImportStats stats;
    TraceSummary s;
    auto r = import_and_summarize(injected, gold, options, "oopsim_bad_hits.pb", stats, s);
    ASSERT_FALSE(r);
    EXPECT_NE(std::string(r.message()).find("run/site-hits.txt:"), std::string::npos)
        << r.message();
    EXPECT_NE(std::string(r.message()).find(what), std::string::npos) << r.message();
  }
}

TEST(ObservedOutcome, AKilledTasksExitTheTraceLostIsTakenFromTheConsole) {
  // The trace stream ends 50 ms after restartd's oops; the console goes on for seconds (progress
  // lines): the kernel killed the task, and its exit comes from the console. When the console
  // stops with the trace, nothing is added.
  std::string ftrace =
      line("oopsim-restartd-253", 0, "16.000000",
           "tracing_mark_write: PROGRESS restartd 1 pid=253") +
      line("oopsim-fsbench-157", 1, "16.150000", "tracing_mark_write: PROGRESS ext4 1 pid=157");
  std::string oops_text = oops("   16.100000", 253, "oopsim-restartd", 1);
  for (bool console_goes_on : {true, false}) {
    std::string console = oops_text;
    if (console_goes_on) console += "[   18.500000] PROGRESS ext4 3 pid=157\n";
    RunText injected{"injected", ftrace, console, "", "", "", "", "", ""};
    RunText gold{"golden", ftrace, "", "", "", "", "", "", ""};
    ImportOptions options;
    ImportStats stats;
    TraceSummary s;
    ASSERT_TRUE(import_and_summarize(injected, gold, options, "oopsim_lost_exit.pb", stats, s));
    int inferred = 0;
    for_each_event("oopsim_lost_exit.pb", [&](TraceReader& reader, const models::Event& ev) {
      if (ev.type == models::EventType::kExit && reader.section() == SectionKind::kInjected &&
          ev.text.find("from the console") != std::string::npos) {
        ++inferred;
        EXPECT_EQ(ev.time, 16150000u);  // at the trace's end
      }
    });
    EXPECT_EQ(inferred, console_goes_on ? 1 : 0);
  }
}

}  // namespace
}  // namespace oopsim::traces
