// vmcheck's held-out checks: new injections drawn as a campaign draws them (seeds from
// config.fresh_seed on, which the bundled corpus does not use), captured from the plain saved
// state in <out>/fresh, until config.fresh of them crashed.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "sim/vmcheck/vmcheck_config.h"

namespace oopsim::sim {

// Appends the first config.fresh crash traces (sorted) to `traces`. Returns 0 or an exit code.
int draw_fresh_crashes(const VmcheckConfig& config, const std::string& simcapture,
                       std::vector<std::string>& traces, std::ostream& err);

}  // namespace oopsim::sim
