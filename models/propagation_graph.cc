#include "models/propagation_graph.h"

#include <fmt/format.h>

namespace oopsim::models {

PropagationGraph::PropagationGraph(std::uint32_t faulty, std::string label) {
  root_ = node(NodeKind::kContext, faulty, label, false);
}

std::size_t PropagationGraph::node(NodeKind kind, std::uint32_t index, const std::string& label,
                                   bool shared) {
  auto key = std::make_pair(kind, index);
  auto it = nodes_.find(key);
  if (it != nodes_.end()) return it->second;
  std::size_t v = boost::add_vertex(PropagationNode{kind, index, label, shared}, graph_);
  nodes_.emplace(key, v);
  return v;
}

void PropagationGraph::edge(std::size_t from, std::size_t to, EdgeKind kind) {
  for (auto [e, end] = boost::out_edges(from, graph_); e != end; ++e) {
    if (boost::target(*e, graph_) == to && graph_[*e].kind == kind) return;
  }
  boost::add_edge(from, to, PropagationEdge{kind}, graph_);
}

void PropagationGraph::writes(std::uint32_t object, const std::string& label, bool shared) {
  edge(root_, node(NodeKind::kObject, object, label, shared), EdgeKind::kWrites);
}

void PropagationGraph::holds(std::uint32_t lock, const std::string& label) {
  edge(root_, node(NodeKind::kLock, lock, label, true), EdgeKind::kHolds);
}

void PropagationGraph::takes(std::uint32_t lock, const std::string& lock_label,
                             std::uint32_t context, const std::string& context_label) {
  edge(node(NodeKind::kLock, lock, lock_label, true),
       node(NodeKind::kContext, context, context_label, true), EdgeKind::kTakes);
}

void PropagationGraph::reads(std::uint32_t object, const std::string& object_label, bool shared,
                             std::uint32_t context, const std::string& context_label) {
  edge(node(NodeKind::kObject, object, object_label, shared),
       node(NodeKind::kContext, context, context_label, true), EdgeKind::kReads);
}

std::vector<std::uint32_t> PropagationGraph::readers() const {
  std::vector<std::uint32_t> out;
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    if (graph_[*e].kind == EdgeKind::kReads) out.push_back(graph_[boost::target(*e, graph_)].index);
  }
  return out;
}

}  // namespace oopsim::models
