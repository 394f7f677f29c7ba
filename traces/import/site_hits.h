// site-hits.txt: who ran the fault's site in a fault-free run (a breakpoint on the site's
// instruction, `vmctl.py run --watch`), the one definition of its form in C++: the importer reads
// it, vmcheck writes a trace's recorded site runs back in it. vmctl.py writes the same form.
//
//   # site 0xADDR; jiffies (HZ=250, INITIAL_JIFFIES=4294892296) cpu pid comm preempt_count ...
//   # pid-workloads 157=ext4:oopsim-fsbench 140=-:jbd2/vda-8 ...     (optional)
//   JIFFIES CPU PID COMM PREEMPT_COUNT [FLAGS] [ns=N]                  (one line per hit)
//
// The QEMU plugin (traces/vm/plugin) writes the same form for every execution of the site, and
// crash-state.txt for each entry to the kernel's oops handler, with the flags register after the
// preempt count (the CPU is -1 when not known).
//
// Jiffies count from boot in 1/HZ s (from INITIAL_JIFFIES), so a hit's time on the trace's clock
// is known to within a tick from them alone. `ns=N` (the plugin's clock=1) is the guest's trace
// clock at the hit itself, read as the guest's tracer reads it: the hit's exact place among the
// trace's events. "pid-workloads" says the hits' pids are another boot's, with each
// one's workload ("-": none) and program, so the importer can map them to this run's tasks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "traces/format/trace_error.h"

namespace oopsim::traces {

// The guest kernel's CONFIG_HZ (Debian's amd64 kernel), as vmctl.py's HZ.
inline constexpr std::uint64_t kGuestHz = 250;
// The kernel's INITIAL_JIFFIES for HZ: five minutes before the 32-bit wrap.
inline constexpr std::uint64_t initial_jiffies(std::uint64_t hz) {
  return (std::uint64_t{1} << 32) - 300 * hz;
}

struct SiteHit {
  std::uint64_t jiffies = 0;
  int cpu = 0;
  int pid = 0;
  std::string comm;
  std::uint64_t preempt_count = 0;
  std::optional<std::uint64_t> flags;  // the flags register (crash-state.txt)
  std::optional<std::uint64_t> ns;     // the guest's trace clock at the hit
  // In an interrupt the task is the one it interrupted: the hit is the interrupt's.
  char irq() const {
    return (preempt_count & 0xf0000) != 0 ? 'h' : (preempt_count & 0x100) != 0 ? 's' : '.';
  }
};

struct SiteHits {
  std::uint64_t hz = kGuestHz;
  std::uint64_t initial = initial_jiffies(kGuestHz);
  std::uint64_t site = 0;  // the watched address (0: not said)
  std::string source;      // where the hits came from, for the header ("" : none)
  std::map<int, std::pair<std::string, std::string>> other_boot;  // pid -> (workload, program)
  std::vector<SiteHit> hits;
  // Added to put the jiffies clock on the trace's: under TCG the jiffies count lags the trace
  // clock (0.46 s in runs from this project's saved state); the importer measures it at the oops
  // (run_importer.cc). 0: not known.
  std::int64_t offset_us = 0;

  // A hit's time in microseconds since boot on the trace's clock (its ns= when it has one, else
  // from its jiffies); false before the clock's start.
  bool time_us(const SiteHit& h, std::uint64_t& us) const {
    if (h.ns) {
      us = *h.ns / 1000;
      return true;
    }
    return time_us(h.jiffies, us);
  }
  // Every hit has its exact time (ns=).
  bool all_timed() const {
    for (const SiteHit& h : hits) {
      if (!h.ns) return false;
    }
    return true;
  }
  bool time_us(std::uint64_t jiffies, std::uint64_t& us) const {
    if (jiffies < initial) return false;
    std::int64_t t = static_cast<std::int64_t>((jiffies - initial) * 1000000 / hz) + offset_us;
    if (t < 0) return false;
    us = static_cast<std::uint64_t>(t);
    return true;
  }
};

// Reads the text; false with `error` (kData, `file`, the line) on a line that does not fit.
bool parse_site_hits(std::string_view text, const std::string& file, SiteHits& out,
                     TraceError& error);
// The text of `hits`, as parse_site_hits reads it.
std::string format_site_hits(const SiteHits& hits);

}  // namespace oopsim::traces
