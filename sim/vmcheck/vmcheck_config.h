// What vmcheck is asked to do: which traces to rerun live under which policies (or how many fresh
// injections to draw), where the VM and its saved state are, where the reruns go.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace oopsim::sim {

struct VmcheckConfig {
  std::vector<std::string> policies;  // names the guest can enforce (live_policies())
  std::vector<std::string> traces;    // files or folders
  std::string repo;                   // the source tree (traces/vm)
  std::string cache;                  // VM cache ("": <repo>/.cache/vm)
  // Saved states: the recovery module's, for the policies that need it (lock-release,
  // subsystem-restart); the plain one (where campaigns capture) for panic and kill-faulty, so
  // that those reruns start from the very state the trace was captured from.
  std::string state;        // "": <cache>/state-recover
  std::string plain_state;  // "": <cache>/state
  std::string out;          // reruns, golden run, fresh captures, the score
  double seconds = 8;       // length of each live run
  int jobs = 2;             // VMs at a time
  // Held-out checks: draw this many new crashing injections (seeds from fresh_seed on, which
  // the bundled corpus does not use), capture, predict and rerun them.
  int fresh = 0;
  std::uint64_t fresh_seed = 1000;
  int fresh_max_experiments = 600;       // give up drawing after this many
  std::vector<std::string> fresh_types;  // "": all 15
  std::string fresh_functions;           // functions.txt of a campaign ("": learned afresh)
  std::string format = "table";          // table, json, csv
  // Reuse the finished reruns already in `out` (rerun.status) and rerun only the missing ones:
  // scores a changed model against the same live runs.
  bool reuse = false;
  bool reimport = false;  // with reuse: classify the kept reruns again with the current importer
};

// The policies vmcheck can enforce in the guest (traces/vm/run_from_state.sh --policy).
const std::vector<std::string>& live_policies();
// Whether the guest needs the recovery module to enforce it.
bool needs_recovery_module(const std::string& policy);

}  // namespace oopsim::sim
