// The replay engine: predicts, from a trace, what a recovery policy leads to for each workload.
// Input and output are injected: it reads a TraceReader and fills a Prediction; it never opens
// files or reads a clock.
#pragma once

#include <cstddef>
#include <string>

#include "models/state_class_table.h"
#include "policies/policy.h"
#include "sim/prediction.h"
#include "traces/format/trace_error.h"
#include "traces/format/trace_reader.h"

namespace oopsim::sim {

struct EngineConfig {
  std::size_t fiber_stack_bytes = 64 * 1024;
  // Events the feeder hands out before it lets the contexts catch up.
  std::size_t feed_batch = 4096;
  // Each time a blocked context has this many more queued events, it is checked for being
  // stuck forever (its events are then dropped, keeping memory bounded).
  std::size_t stuck_check_queue = 4096;
  // Object types -> classes; nullptr: the built-in table.
  const models::StateClassTable* state_classes = nullptr;
  bool timeline = false;  // fill Prediction::timeline
  bool graphs = false;    // fill Prediction::wait_for_dot and propagation_dot
};

class Engine {
 public:
  explicit Engine(EngineConfig config = {}) : config_(config) {}

  // Replays the trace under the policy. Returns false with `error` set when the trace is bad (or
  // has no crash to predict from).
  bool run(traces::TraceReader& reader, policies::Policy& policy, const std::string& policy_name,
           Prediction& out, traces::TraceError& error) const;

 private:
  EngineConfig config_;
};

}  // namespace oopsim::sim
