// Import of a real paired run (issue 3): the ftrace text and console of an injected run and of
// the golden run from the same saved state become one trace in format v1. Locks are named
// (static locks by symbol, others by acquiring call site) and mapped to subsystems (module, else
// the symbol rules in models/subsystem_rules.txt). The injected run's console gives the crash and
// what followed; the observed outcome per workload is classified from it (docs/outcomes.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "models/fault_model.h"
#include "traces/format/packet_writer.h"
#include "traces/format/trace_error.h"

namespace oopsim::traces {

struct RunText {
  std::string path;     // for messages
  std::string ftrace;   // trace.txt
  std::string console;  // console.log
  // Golden runs: who ran the fault's site in a fault-free run from the same state (site-hits.txt
  // of `vmctl run --watch`; "" when not recorded).
  std::string site_hits;
  std::string site_hits_path;  // for messages ("" : path + "/site-hits.txt")
  // Injected runs: the CPU at each oops entry (crash-state.txt of the QEMU plugin, site_hits.h's
  // form with the flags register; "" when not recorded).
  std::string crash_state;
  std::string crash_state_path;  // for messages ("" : path + "/crash-state.txt")
  // The QEMU plugin's memory record (mem.txt, traces/import/mem_record.h; "" when not recorded).
  std::string mem;
  std::string mem_path;  // for messages ("" : path + "/mem.txt")
  // Injected runs: the tasks in uninterruptible sleep at the run's end (blocked.txt of the QEMU
  // plugin, traces/import/blocked_tasks.h; "" when not recorded).
  std::string blocked = {};
  std::string blocked_path = {};  // for messages ("" : path + "/blocked.txt")
};

struct ImportOptions {
  std::string kallsyms;         // guest /proc/kallsyms text ("" to leave addresses raw)
  std::string kernel_package;   // "PACKAGE VERSION" of the kernel the runs booted ("": unknown)
  std::string kernel_build_id;  // its vmlinux's GNU build id, hex ("": unknown)
  std::optional<models::FaultInfo> fault;  // the injection, if known
  bool sleeps = false;  // emit sleep/wakeup events (off: filtered wakers stall replay)
  std::uint64_t observe_window_us = 0;  // after the crash; 0: to the end of the injected run
  // Reads the kernel's text: the offset in `function` of the return address of its last call to
  // `callee` at or before `before` (0: unknown). Places takes whose caller the trace lacks.
  std::function<std::uint64_t(const std::string& function, std::uint64_t before,
                              const std::string& callee)>
      call_site;
};

struct ImportStats {
  std::uint64_t lines = 0;
  std::uint64_t unparsed = 0;
  std::uint64_t events = 0;
  std::uint64_t inferred_releases = 0;  // releases the trace missed, inferred from later events
  std::uint64_t dropped_releases = 0;   // releases of locks taken before the window
  std::uint64_t foreign_releases = 0;   // released by a context other than the holder
  std::uint64_t contexts = 0;
  std::uint64_t locks = 0;
  bool crashed = false;
  // Added to the injected run's console times to put them on the trace's clock (console_clock.h).
  std::int64_t console_offset_us = 0;
  // The injected run had no progress line in both clocks: the offset is its golden run's.
  bool console_offset_borrowed = false;
  // How much earlier than the crash's observation window ends the golden run's trace ends (0:
  // it covers the window): the replay's continuation is cut by that much.
  std::uint64_t golden_short_us = 0;
  // Added to the QEMU plugin's jiffies times likewise, measured at the oops (site_hits.h).
  std::int64_t jiffies_offset_us = 0;
  // How much later than the console's first line the crash was placed: at the kernel's oops
  // entry as the QEMU plugin timed it (0: not timed, the console's time).
  std::int64_t crash_moved_us = 0;
};

// What an import says of its clocks besides the offsets ("(the golden run's)" when the injected
// run borrowed its console offset), and its warning line for `output` when the golden run's
// trace is short ("" when it is not); simcapture and `simtrace import` print both.
std::string_view borrowed_offset_note(const ImportStats& stats);
// "found", and where the crash was placed when the plugin timed the oops entry.
std::string crash_note(const ImportStats& stats);
std::string short_golden_warning(const ImportStats& stats, const std::string& output);

// Writes the trace to `out`. False with `error` when the input cannot be used.
bool import_paired_run(const RunText& injected, const RunText& golden, const ImportOptions& options,
                       PacketWriter& out, ImportStats& stats, TraceError& error);

}  // namespace oopsim::traces
