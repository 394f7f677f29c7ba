// blocked.txt: where the guest's tasks sleep (or wait to run) at the end of a run (the QEMU
// plugin's traces/vm/plugin/blocked_tasks.c writes it; its comment gives the lines' meaning):
//
//   # ...                         comments
//   W JIFFIES TASKS               the last walk of the task list
//   B PID COMM STATE SINCE ADDR...
//                                 a task at that walk, in state D (uninterruptible sleep), S
//                                 (interruptible sleep) or R (running or waiting to run) since
//                                 SINCE (jiffies), and the kernel text addresses on its stack,
//                                 innermost first
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traces/format/trace_error.h"
#include "traces/import/kallsyms.h"
#include "traces/import/site_hits.h"

namespace oopsim::traces {

struct BlockedTask {
  int pid = 0;
  std::string comm;
  char state = 'D';         // D, S or R
  std::uint64_t since = 0;  // jiffies
  std::vector<std::uint64_t> stack;
};

struct BlockedTasks {
  std::uint64_t hz = kGuestHz;  // the header's jiffies clock (site_hits.h's defaults)
  std::uint64_t initial = initial_jiffies(kGuestHz);
  std::optional<std::uint64_t> last_walk;  // jiffies; unset: no walk recorded
  std::uint64_t tasks = 0;
  std::vector<BlockedTask> blocked;
};

// Parses `text` (read from `file`) into `out`; false with `error` (file and line) when a line is
// not of the form above.
bool parse_blocked_tasks(std::string_view text, const std::string& file, BlockedTasks& out,
                         TraceError& error);

// Where a blocked task waits, as the kernel's wchan says it: the innermost functions on its stack
// outside the scheduler's own text (.sched.text: schedule, io_schedule, the sleeping lock slow
// paths), "a <- b <- c" (at most three); "" when kallsyms does not place them.
std::string where_it_waits(const BlockedTask& t, const Kallsyms& syms);

}  // namespace oopsim::traces
