// The console's clock against the trace's. A run's console lines carry printk's timestamps
// (local_clock) and its trace lines ftrace's (the "local" trace clock, sched_clock). Under QEMU's
// TCG the two differ: in runs restored from this project's saved state the trace clock was
// 0.19-0.21 s ahead of the console's, every run alike, so an oops placed at its console time came
// before the crashing task's last trace events (the locks it took just before the fault, for one)
// and those were lost to the replay. Every workload writes each progress line to the console
// (/dev/kmsg) and then the same line to the trace marker: both clocks stamp it. The marker comes
// after the console line by the time the writer spends printing it (nothing when another task
// holds the console), so the smallest gap over the run's lines is the offset to add to a console
// time.
//
// A run that crashed at once after its restore (a fault in code that runs all the time) has no
// progress line before the crash and often none after it. Such a run takes its paired golden
// run's offset, which restored the same state: with 0 instead, such a crash came 0.2 s before the
// trace's first lock events, and the locks the crashing task held were lost to the replay. It is
// an estimate: on one machine the golden runs of one state measured +0.146 to +0.240 s (the
// smallest gap over few lines bounds the offset from above), so an early crash can still be up to
// ~0.1 s off.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"

namespace oopsim::traces {

// The offset measured on the run's own lines; nullopt when no line is in both.
std::optional<std::int64_t> paired_console_offset_us(
    const std::vector<FtraceLine>& trace, const std::vector<ProgressMark>& console_progress);
// The same, 0 when no line is in both.
std::int64_t console_offset_us(const std::vector<FtraceLine>& trace,
                               const std::vector<ProgressMark>& console_progress);
std::int64_t console_offset_us(const std::vector<FtraceLine>& trace, const std::string& console);

// The offsets of an injected run and its golden run, both restored from one saved state: each
// its own, or the other's when it has no line in both (0 when neither has).
struct PairedOffsets {
  std::int64_t injected_us = 0;
  std::int64_t golden_us = 0;
  bool injected_borrowed = false;  // the injected run had no line in both: the golden run's
};
PairedOffsets paired_offsets(std::optional<std::int64_t> injected,
                             std::optional<std::int64_t> golden);

// A console time on the trace's clock (never before 0).
inline std::uint64_t on_trace_clock(std::uint64_t console_us, std::int64_t offset_us) {
  if (offset_us < 0 && console_us < static_cast<std::uint64_t>(-offset_us)) return 0;
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(console_us) + offset_us);
}

// A run's console progress lines (parse_console_progress), each moved onto the trace's clock by
// `offset_us`.
inline std::vector<ProgressMark> on_trace_clock(std::vector<ProgressMark> marks,
                                                std::int64_t offset_us) {
  for (ProgressMark& m : marks) m.time_us = on_trace_clock(m.time_us, offset_us);
  return marks;
}

}  // namespace oopsim::traces
