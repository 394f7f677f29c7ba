// What the engine predicts for one trace under one policy.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "models/fault_model.h"
#include "models/outcome.h"
#include "models/workload_model.h"
#include "traces/format/trace_model.h"

namespace oopsim::sim {

struct WorkloadPrediction {
  std::string workload;
  models::Finding predicted;                        // outcome, when, why
  std::optional<traces::ObservedOutcome> observed;  // ground truth, if the trace has it
};

struct Prediction {
  std::string trace;   // path
  std::string policy;  // name as given
  traces::TraceHeader header;
  std::optional<models::FaultInfo> fault;
  models::Ticks crash_time = 0;  // simulated time of the crash
  std::string crash_context;     // "comm[pid]"
  std::string crash_context_kind;
  models::OopsKind crash_kind = models::OopsKind::kUnspecified;
  std::string crash_function;
  models::Scope scope = models::Scope::kProcessLocal;
  std::string scope_why;
  std::vector<WorkloadPrediction> workloads;
  std::vector<std::string> explanation;  // the causal chain, in simulated-time order
  std::uint64_t events_replayed = 0;
  std::uint64_t events_ignored_after_crash = 0;  // the injected run's own continuation: never used
  std::uint64_t events_dropped = 0;              // for dead or forever-stuck contexts
  std::uint64_t divergences = 0;     // golden steps that did not fit the simulated state
  std::uint64_t fiber_switches = 0;  // scheduler picks (a measure of engine cost)
  models::Ticks end_time = 0;
  nlohmann::ordered_json timeline;  // Chrome / Perfetto trace events (EngineConfig::timeline)
  std::string wait_for_dot;         // Graphviz (EngineConfig::graphs)
  std::string propagation_dot;
};

}  // namespace oopsim::sim
