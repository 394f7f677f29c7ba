// Graphviz DOT of the replay's graphs, written with Boost.Graph's write_graphviz: the wait-for
// graph at the end (deadlock chains in red) and the error propagation graph (coloured by scope).
#pragma once

#include <string>
#include <vector>

#include "models/propagation_graph.h"
#include "sim/wait_for_graph.h"

namespace oopsim::sim {

// `labels` and `deadlocked`: per vertex of the graph (g.context_of(v)); `lock_labels`: per lock.
std::string wait_for_dot(const WaitForGraph& g, const std::vector<std::string>& labels,
                         const std::vector<std::string>& lock_labels,
                         const std::vector<bool>& deadlocked);
std::string propagation_dot(const models::PropagationGraph& g, models::Scope scope);

}  // namespace oopsim::sim
