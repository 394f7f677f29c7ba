#include "sim/engine.h"

#include <optional>
#include <thread>

#include "sim/replay.h"
#include "sim/timeline_recorder.h"

namespace oopsim::sim {

bool Engine::run(traces::TraceReader& reader, policies::Policy& policy,
                 const std::string& policy_name, Prediction& out, traces::TraceError& error) const {
  Replay replay(config_, reader, policy, policy_name);
  std::optional<TimelineRecorder> timeline;
  if (config_.timeline) replay.add_observer(&timeline.emplace(reader.path(), policy_name));
  // A thread of its own gives each replay a fresh fiber scheduler.
  std::thread worker([&replay] { replay.run(); });
  worker.join();
  if (replay.error()) {
    error = *replay.error();
    return false;
  }
  out = std::move(replay.prediction());
  return true;
}

}  // namespace oopsim::sim
