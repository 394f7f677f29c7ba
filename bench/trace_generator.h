// Synthetic traces for benchmarks: N contexts taking and releasing locks (few locks: high
// contention; many: low), making system calls and progress; an oops halfway through the injected
// run; the golden run is the same run, whole. Deterministic from its seed. And one replay of a
// trace, which every bench repeats.
#pragma once

#include <cstdint>
#include <string>

#include "sim/prediction.h"

namespace oopsim::bench {

struct GeneratorConfig {
  std::uint64_t golden_events = 1000;  // events of the golden run
  std::uint32_t contexts = 64;
  std::uint32_t locks = 256;  // few locks per context: high contention
  // Contexts declared after the active ones that have no events at all (a whole machine's
  // kernel threads and tasks, of which a few are traced): memory must not grow with them.
  std::uint32_t idle_contexts = 0;
  std::uint64_t seed = 1;
};

// Writes the binary trace; returns the number of event packets written (0 on failure).
std::uint64_t generate_trace(const GeneratorConfig& config, const std::string& path);

// One replay of the trace at `path` under the built-in policy `policy` (the benches' unit of
// work); false with `error` when the trace cannot be replayed.
bool replay_trace(const std::string& path, const std::string& policy, sim::Prediction& out,
                  std::string& error);

}  // namespace oopsim::bench
