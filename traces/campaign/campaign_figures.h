// The seed study's figures, computed from a campaign's results: seconds per experiment,
// activation rate, crash yield, crashes by fault type x scope and reactions x scope, each beside
// the seed study's numbers (Yoshimura et al., HotDep'12), as Markdown tables.
#pragma once

#include <string>
#include <vector>

namespace oopsim::traces {

// Returns the Markdown; `dir` is a campaign folder (or an exported corpus: index.csv is not
// needed, results/ is).
std::string campaign_figures(const std::string& dir);
// Over several campaigns (or snapshots) at once: their results together.
std::string campaign_figures(const std::vector<std::string>& dirs);

}  // namespace oopsim::traces
