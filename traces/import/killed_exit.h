// Exits of oopsed tasks that the trace could not show. After an oops that does not panic, the
// kernel kills the task (make_task_dead: do_exit). When the trace stream ends soon after that oops
// while the console goes on (seen under host load after a gdb-stub injection: the guest's trace
// transport stops, the serial console and the workloads do not), the trace cannot show that exit;
// the console's evidence (the oops report, no panic, console lines well after the trace's end)
// gives it. The exit is placed at the trace's last event, the event's text says where it came from.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "traces/format/trace.pb.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"

namespace oopsim::traces {

// How long after an oops the stream may end for its task's exit to be taken from the console, and
// how long the console must go on after the stream's end.
constexpr std::uint64_t kStreamDeathWindowUs = 1000000;

// Adds an EXIT event (in time order) to `events` for each such task; returns how many. The
// reports and the console's progress lines are on the trace's clock (console_clock.h).
// `context_of` maps a report to its context; `killable` says whether a context is a user task
// (a kernel thread or an interrupt oops panics or is not killed the same way).
std::size_t add_exits_the_trace_lost(
    const std::vector<FtraceLine>& lines, const std::vector<ProgressMark>& console_progress,
    const std::vector<ConsoleReport>& reports,
    const std::function<std::uint32_t(const ConsoleReport&)>& context_of,
    const std::function<bool(std::uint32_t)>& killable, std::vector<trace::Event>& events);

}  // namespace oopsim::traces
