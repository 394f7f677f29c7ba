#include "sim/graph_dot.h"

#include <boost/graph/graphviz.hpp>

#include <sstream>

namespace oopsim::sim {

namespace {

std::string state_name(NodeState s) {
  switch (s) {
    case NodeState::kRunning:
      return "running";
    case NodeState::kFinished:
      return "finished";
    case NodeState::kWaitingLock:
      return "waiting for a lock";
    case NodeState::kSleeping:
      return "sleeping";
    case NodeState::kDead:
      return "dead";
    case NodeState::kExited:
      return "exited";
    case NodeState::kNotStarted:
      return "never started";
  }
  return "?";
}

std::string quoted(const std::string& s) {
  return boost::escape_dot_string(s);
}

}  // namespace

std::string wait_for_dot(const WaitForGraph& g, const std::vector<std::string>& labels,
                         const std::vector<std::string>& lock_labels,
                         const std::vector<bool>& deadlocked) {
  const WaitGraph& graph = g.graph();
  std::ostringstream out;
  auto vertex_writer = [&](std::ostream& os, std::size_t v) {
    NodeState s = g.vertex_state(v);
    std::string color = s == NodeState::kDead || s == NodeState::kExited ? "black"
                        : deadlocked[v]                                  ? "red"
                                                                         : "gray40";
    os << "[label=" << quoted(labels[v] + "\\n" + state_name(s)) << ", color=" << color
       << ", fontcolor=" << color << (s == NodeState::kDead ? ", style=dashed" : "") << "]";
  };
  auto edge_writer = [&](std::ostream& os, WaitGraph::edge_descriptor e) {
    std::uint32_t lock = graph[e].lock;
    std::string label =
        lock == UINT32_MAX ? "waits for a wakeup from" : "waits for " + lock_labels[lock];
    bool red = deadlocked[boost::source(e, graph)];
    os << "[label=" << quoted(label) << ", color=" << (red ? "red" : "gray40")
       << (red ? ", penwidth=2" : "") << "]";
  };
  auto graph_writer = [](std::ostream& os) {
    os << "label=\"wait-for graph at the end of the replay (red: deadlocked)\";\nrankdir=LR;\n"
          "node [shape=box, fontname=\"monospace\"];\n";
  };
  boost::write_graphviz(out, graph, vertex_writer, edge_writer, graph_writer);
  return out.str();
}

std::string propagation_dot(const models::PropagationGraph& pg, models::Scope scope) {
  const models::PropagationGraphType& graph = pg.graph();
  std::string scope_color = scope == models::Scope::kKernelGlobal ? "red" : "darkgreen";
  std::ostringstream out;
  auto vertex_writer = [&](std::ostream& os, std::size_t v) {
    const models::PropagationNode& n = graph[v];
    std::string shape = n.kind == models::NodeKind::kContext ? "box"
                        : n.kind == models::NodeKind::kLock  ? "diamond"
                                                             : "ellipse";
    std::string color = v == 0                                               ? scope_color
                        : (n.kind == models::NodeKind::kObject && !n.shared) ? "gray40"
                                                                             : scope_color;
    os << "[label=" << quoted(n.label) << ", shape=" << shape << ", color=" << color << "]";
  };
  auto edge_writer = [&](std::ostream& os, models::PropagationGraphType::edge_descriptor e) {
    static const char* kNames[] = {"writes", "holds", "taken by", "read by"};
    os << "[label=" << quoted(kNames[static_cast<int>(graph[e].kind)]) << "]";
  };
  auto graph_writer = [&](std::ostream& os) {
    os << "label=" << quoted("error propagation: " + std::string(models::name(scope))) << ";\n"
       << "rankdir=LR;\nnode [fontname=\"monospace\"];\n";
  };
  boost::write_graphviz(out, graph, vertex_writer, edge_writer, graph_writer);
  return out.str();
}

}  // namespace oopsim::sim
