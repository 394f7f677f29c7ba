// Where a campaign's time goes: experiments and crashes per hour of wall time, and the cost of one
// experiment broken down (restore, the wait for activation, the run after it, the harness around
// the VM), by kind of experiment. From the results' `seconds` and `run` (vmctl run's timing of the
// injected run; results written before it was kept have none and count in the rates only).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace oopsim::traces {

// Markdown; "" when there are no results. `rates`: the experiments and crashes an hour of wall
// time too (for one campaign's results: several campaigns' wall times do not add up).
std::string campaign_cost(const std::vector<nlohmann::ordered_json>& results, bool rates = true);

}  // namespace oopsim::traces
