// vmcheck's work: for each trace (bundled, or drawn fresh), predict the outcome under each policy
// with the engine, rerun the same injection live in the VM with the policy enforced by the guest
// (same kernel, saved state, site and mutation; refused if the kernel text differs), classify the
// rerun's outcome per workload exactly as a capture does, and pair the two.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "sim/vmcheck/vmcheck_config.h"
#include "sim/vmcheck/vmcheck_score.h"

namespace oopsim::sim {

// `simcapture` is the capture tool's path (fresh draws run it as a campaign does). Returns an
// exit code (0, or sysexits); progress lines go to `err`.
int run_vmcheck(const VmcheckConfig& config, const std::string& simcapture,
                std::vector<CheckRun>& runs, std::ostream& err);

}  // namespace oopsim::sim
