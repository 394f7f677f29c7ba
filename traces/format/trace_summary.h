// A summary of one trace: what it declares, how many events of each kind per section, the crash,
// the observed outcomes. Built by streaming through the trace.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "models/outcome.h"
#include "traces/format/trace_reader.h"

namespace oopsim::traces {

struct TraceSummary {
  std::string path;
  TraceModel model;
  std::uint64_t packets = 0;
  std::array<std::uint64_t, models::kEventTypes> injected_events{};  // by models::EventType
  std::array<std::uint64_t, models::kEventTypes> golden_events{};
  models::Ticks injected_end = 0;
  models::Ticks golden_end = 0;
  std::optional<models::Event> crash;
  std::uint64_t events_after_crash = 0;
  std::vector<ObservedOutcome> observed;
  // The memory record's accesses (recorded bytes on object events): the injected run's writes,
  // how many the record shows cannot carry the error (models::MemoryAccess::harmless_write),
  // and the reads by other contexts in each section.
  struct MemoryRecord {
    std::uint64_t writes = 0, harmless_writes = 0, injected_reads = 0, golden_reads = 0;
    bool any() const { return writes + injected_reads + golden_reads != 0; }
  } memory;
  // The error's scope and why (scope_tracker.h); unset without a crash.
  std::optional<models::Scope> scope;
  std::string scope_why;
};

// Reads the whole trace. Returns false with `error` set if it is not valid.
bool summarize(TraceReader& reader, TraceSummary& out, TraceError& error);

std::string format_summary(const TraceSummary& s);
nlohmann::ordered_json summary_json(const TraceSummary& s);

}  // namespace oopsim::traces
