// The live classifier: each workload's observed outcome in a real run (what really happened after
// the crash), for the trace's `observed` packets, which vmcheck scores predictions against.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "traces/format/trace.pb.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/import_contexts.h"

namespace oopsim::traces {

// A read, after the crash, of bytes the fault changed (the memory record: a write of the
// activating context that the fault-free run did not make the same), by a context that went on.
struct BadStateRead {
  std::uint64_t time_us = 0;
  int pid = 0;
  std::string what;
};

// A task's state at the injected run's end (the QEMU plugin's blocked.txt).
struct BlockedWait {
  int pid = 0;
  std::string comm;
  char state = 'D';  // D uninterruptible sleep, S interruptible sleep, R running or runnable
  std::uint64_t since_us = 0;
  std::string where;  // blocked_tasks.h's where_it_waits
};

// The injected run as the classifier sees it.
struct ObservedRun {
  const std::vector<FtraceLine>& lines;       // its ftrace lines (exits)
  const std::vector<ConsoleReport>& reports;  // its console reports
  const ImportContexts& contexts;
  const std::map<std::string, std::set<std::uint32_t>>& writers;  // workload -> its processes
  std::uint64_t crash_us = 0;
  std::uint64_t window_us = 0;  // judged after the crash; 0: to the end of the run
  const std::vector<BadStateRead>* bad_reads = nullptr;  // the memory record's, if recorded
  const std::vector<BlockedWait>* blocked = nullptr;     // at the run's end, if recorded
  // The last timer tick the plugin's walks of the task list saw (once a second), if recorded.
  std::optional<std::uint64_t> last_walk_us;
  // When the golden run's recording stopped (recording_end_us of its lines), if it says.
  std::optional<std::uint64_t> golden_recording_end_us;
};

// When a run's recording stopped after `after_us`: the "OOPSIM TRACE END" marker the guest writes
// as the host ends the run (the run then goes on, unrecorded but for its console, until the
// stream has delivered everything: a drain whose length differs from run to run). None when the
// run has no such marker (its guest stopped, its stream died, or it was not drained).
std::optional<std::uint64_t> recording_end_us(const std::vector<FtraceLine>& lines,
                                              std::uint64_t after_us);

// The end of the judged window: the crash plus `window_us` (0: no bound), and no later than the
// earlier of the two runs' recording ends, so both runs are judged over the same span after the
// crash, which the golden run's record (the engine's continuation) covers.
std::uint64_t judged_until_us(std::uint64_t crash_us, std::uint64_t window_us,
                              std::optional<std::uint64_t> injected_end,
                              std::optional<std::uint64_t> golden_end);

// A run's progress marks: the trace marker's, and the console's, which outlives the trace
// transport (a crash can take the streamer down while the workloads go on), already on the trace's
// clock (console_clock.h).
std::vector<ProgressMark> progress_marks(const std::vector<FtraceLine>& lines,
                                         std::vector<ProgressMark> console_progress);

// One observed outcome per workload, from the injected run and both runs' progress.
std::vector<trace::Observed> classify_observed(const ObservedRun& run,
                                               const std::vector<ProgressMark>& progress,
                                               const std::vector<ProgressMark>& golden_progress);

}  // namespace oopsim::traces
