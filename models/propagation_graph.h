// The error propagation graph (Boost.Graph): how the fault's effects spread from the faulting
// context: the objects it wrote after the activation, the locks it held at the crash and who took
// them later, and who read the bad state. It shows the scope; the record decides it
// (traces/format/scope_tracker.h).
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/outcome.h"

namespace oopsim::models {

enum class NodeKind { kContext, kObject, kLock };
// writes: context -> object; holds: context -> lock (at the crash); takes: lock -> context
// (later); reads: object -> context (a reader of bad state).
enum class EdgeKind { kWrites, kHolds, kTakes, kReads };

struct PropagationNode {
  NodeKind kind = NodeKind::kContext;
  std::uint32_t index = 0;  // context, object or lock index in the trace
  std::string label;
  bool shared = true;  // objects: not private to the faulting context
};

struct PropagationEdge {
  EdgeKind kind = EdgeKind::kWrites;
};

using PropagationGraphType = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                                   PropagationNode, PropagationEdge>;

class PropagationGraph {
 public:
  // `faulty`: the faulting context's index and label.
  PropagationGraph(std::uint32_t faulty, std::string label);

  void writes(std::uint32_t object, const std::string& label, bool shared);
  void holds(std::uint32_t lock, const std::string& label);
  void takes(std::uint32_t lock, const std::string& lock_label, std::uint32_t context,
             const std::string& context_label);
  void reads(std::uint32_t object, const std::string& object_label, bool shared,
             std::uint32_t context, const std::string& context_label);

  // Contexts that read bad state.
  std::vector<std::uint32_t> readers() const;
  const PropagationGraphType& graph() const { return graph_; }

 private:
  std::size_t node(NodeKind kind, std::uint32_t index, const std::string& label, bool shared);
  void edge(std::size_t from, std::size_t to, EdgeKind kind);

  PropagationGraphType graph_;
  std::size_t root_;
  std::map<std::pair<NodeKind, std::uint32_t>, std::size_t> nodes_;
};

}  // namespace oopsim::models
