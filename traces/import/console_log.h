// The kernel console of a run, read for what the kernel reported: oopses (kind, function, task),
// soft lockups, hung tasks, panics, and the workloads' own error lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/event.h"

namespace oopsim::traces {

struct ConsoleReport {
  enum class Type { kOops, kSoftLockup, kHungTask, kPanic, kWorkloadError };
  Type type = Type::kOops;
  std::uint64_t time_us = 0;
  int pid = -1;  // the task it names (-1: none)
  std::string comm;
  models::OopsKind kind = models::OopsKind::kUnspecified;
  std::string function;  // oops: the function in RIP
  std::string text;      // the first line
  bool in_interrupt = false;
  int cpu = -1;  // the CPU it ran on (oopses; -1: not said)
};

std::vector<ConsoleReport> parse_console(const std::string& text);

// A workload's progress line on the console ("PROGRESS <workload> <count> ..."): the same count
// the workload writes to the trace marker, on a path that outlives the trace transport.
struct ProgressMark {
  std::uint64_t time_us = 0;
  std::string workload;
  std::uint64_t value = 0;
  std::string text;  // the whole line after its timestamp (parse_console_progress)
};
// "PROGRESS <workload> <count> ..." (a console line's text or a trace marker's payload) into
// `m`'s workload and value; false when the text is not one (or is cut short).
bool parse_progress(std::string_view text, ProgressMark& m);
std::vector<ProgressMark> parse_console_progress(const std::string& text);
// "6.1.0-56-amd64" from an oops or boot banner, "" if none.
std::string kernel_release_from_console(const std::string& text);

}  // namespace oopsim::traces
