// One live rerun of a trace's injection with a policy enforced in the guest, read back with the
// capture's importer and paired with the prediction; and the helpers it shares with vmcheck's
// driver (what crashed first, the prediction for a trace file).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/fault_model.h"
#include "sim/engine.h"
#include "sim/vmcheck/vmcheck_config.h"
#include "sim/vmcheck/vmcheck_score.h"
#include "traces/format/trace_summary.h"

namespace oopsim::sim {

struct RerunTask {
  std::size_t run;  // index into runs
  std::string trace;
  std::string policy;
  models::FaultInfo fault;
  std::vector<std::string> crash_workloads;  // of the trace's crashing context
  std::string kernel_build_id;               // the trace's kernel build ("": not recorded)
  // Its reruns' folder name: the trace's file name, prefixed by its folder's when another trace
  // of the run has the same file name (rerun_keys).
  std::string key;
};

// One key per trace file (in order): its file name, or "<folder>.<file name>" where two files
// share a name, except for the one shallowest file of that name (the bundled corpus's own
// traces keep their names beside traces/corpus/modules/...; a folder named traces counts as its
// parent's: modules/vfat/traces/PTR-s2.pb is vfat.PTR-s2.pb).
std::vector<std::string> rerun_keys(const std::vector<std::string>& files);

// The workloads of the context that crashed first: a rerun is the same crash only when the
// same workload's process crashes first (pids differ between saved states; workloads do not).
std::vector<std::string> crash_workloads(const traces::TraceSummary& s);

// The prediction for one trace file under one policy; false with `why`.
bool predict_file(const std::string& path, const std::string& policy_name, Prediction& out,
                  std::string& why);

// The golden run from saved state `state` that vmcheck pairs with its reruns (and its fresh
// draw's crashes) from that state: made once in config.out; returns its folder, or "" (with a
// message in `err`) when the run failed.
std::string golden_run(const VmcheckConfig& config, const std::string& state, std::ostream& err);

// Reruns `t` live (or, with config.reuse, reads the kept rerun again) from the saved state its
// policy needs, paired with that state's golden run in `goldens`, and fills `r` with one row per
// workload of `predicted` (or of a prediction from the rerun's own record when another context
// crashed first), or with the reason it cannot be scored.
void rerun_live(const VmcheckConfig& config, const std::map<std::string, std::string>& goldens,
                const RerunTask& t, CheckRun& r, const Prediction& predicted);

}  // namespace oopsim::sim
