#include "sim/wait_for_graph.h"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/strong_components.hpp>

#include <algorithm>

namespace oopsim::sim {

WaitForGraph::WaitForGraph(std::vector<NodeState> states)
    : states_(std::move(states)), graph_(states_.size()), cyclic_(states_.size(), false) {
  contexts_.resize(states_.size());
  for (std::size_t v = 0; v < contexts_.size(); ++v) contexts_[v] = static_cast<std::uint32_t>(v);
}

WaitForGraph::WaitForGraph(std::vector<std::uint32_t> contexts, std::vector<NodeState> states)
    : contexts_(std::move(contexts)),
      states_(std::move(states)),
      dense_(false),
      graph_(states_.size()),
      cyclic_(states_.size(), false) {}

std::size_t WaitForGraph::vertex_of(std::uint32_t context) const {
  if (dense_) return context < contexts_.size() ? context : kNoVertex;
  auto it = std::lower_bound(contexts_.begin(), contexts_.end(), context);
  return it != contexts_.end() && *it == context ? static_cast<std::size_t>(it - contexts_.begin())
                                                 : kNoVertex;
}

void WaitForGraph::add_edge(std::uint32_t waiter, std::uint32_t holder, std::uint32_t lock,
                            bool never_released) {
  std::size_t from = vertex_of(waiter), to = vertex_of(holder);
  if (from == kNoVertex || to == kNoVertex) return;  // not a context that can wait or hold
  boost::add_edge(from, to, WaitEdge{lock, never_released}, graph_);
}

bool WaitForGraph::in_cycle(std::uint32_t context) const {
  std::size_t v = vertex_of(context);
  return v != kNoVertex && cyclic_[v];
}

void WaitForGraph::finish() {
  component_.assign(boost::num_vertices(graph_), 0);
  std::vector<int>& component = component_;
  int n = boost::strong_components(
      graph_, boost::make_iterator_property_map(component.begin(),
                                                boost::get(boost::vertex_index, graph_)));
  std::vector<int> size(static_cast<std::size_t>(n), 0);
  for (int c : component) ++size[static_cast<std::size_t>(c)];
  for (std::size_t v = 0; v < component.size(); ++v) {
    cyclic_[v] = size[static_cast<std::size_t>(component[v])] > 1;
  }
  // A self-loop (a context waiting on a lock it holds) is a cycle of one, unless the lock is one
  // it keeps for good: that wait ends the search like a dead holder.
  for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
    if (boost::source(*e, graph_) == boost::target(*e, graph_) && !graph_[*e].never_released)
      cyclic_[boost::source(*e, graph_)] = true;
  }
}

namespace {

bool terminal_dead(NodeState s) {
  return s == NodeState::kDead || s == NodeState::kExited;
}

struct StopSearch {};

class FindStuck : public boost::default_bfs_visitor {
 public:
  FindStuck(const std::vector<NodeState>& states, const std::vector<bool>& cyclic,
            std::vector<std::size_t>& pred, std::size_t& found, std::size_t& kept_from)
      : states_(states), cyclic_(cyclic), pred_(pred), found_(found), kept_from_(kept_from) {}
  void examine_edge(WaitGraph::edge_descriptor e, const WaitGraph& g) const {
    if (!g[e].never_released) return;
    kept_from_ = boost::source(e, g);
    found_ = boost::target(e, g);
    throw StopSearch{};
  }
  void tree_edge(WaitGraph::edge_descriptor e, const WaitGraph& g) const {
    pred_[boost::target(e, g)] = boost::source(e, g);
  }
  void discover_vertex(std::size_t v, const WaitGraph&) const {
    if (terminal_dead(states_[v]) || cyclic_[v]) {
      found_ = v;
      throw StopSearch{};
    }
  }

 private:
  const std::vector<NodeState>& states_;
  const std::vector<bool>& cyclic_;
  std::vector<std::size_t>& pred_;
  std::size_t& found_;
  std::size_t& kept_from_;  // the waiter on a never-released lock, when that ended the search
};

}  // namespace

DeadlockVerdict WaitForGraph::analyze(std::uint32_t waiter) const {
  DeadlockVerdict v;
  std::size_t context = vertex_of(waiter);
  if (context == kNoVertex) return v;
  NodeState s = states_[context];
  if (s != NodeState::kWaitingLock && s != NodeState::kSleeping) return v;
  std::size_t n = boost::num_vertices(graph_);
  std::vector<std::size_t> pred(n, SIZE_MAX);
  std::size_t found = SIZE_MAX, kept_from = SIZE_MAX;
  if (cyclic_[context]) {
    found = context;
  } else {
    std::vector<boost::default_color_type> color(n, boost::white_color);
    try {
      boost::breadth_first_search(
          graph_, context,
          boost::visitor(FindStuck(states_, cyclic_, pred, found, kept_from))
              .color_map(boost::make_iterator_property_map(
                  color.begin(), boost::get(boost::vertex_index, graph_))));
    } catch (const StopSearch&) {
    }
  }
  if (found == SIZE_MAX) return v;
  v.deadlocked = true;
  std::vector<std::uint32_t> path;
  for (std::size_t x = kept_from != SIZE_MAX ? kept_from : found; x != SIZE_MAX; x = pred[x]) {
    path.push_back(static_cast<std::uint32_t>(x));
    if (x == context) break;
  }
  std::reverse(path.begin(), path.end());
  if (kept_from != SIZE_MAX) {
    v.kept = true;
    path.push_back(static_cast<std::uint32_t>(found));
  } else if (cyclic_[found]) {
    // Walk the cycle from `found` until it comes back, following edges that stay in the cycle.
    v.cycle = true;
    std::size_t x = found;
    std::vector<bool> seen(n, false);
    while (!seen[x]) {
      seen[x] = true;
      std::size_t next = SIZE_MAX;
      for (auto [e, end] = boost::out_edges(x, graph_); e != end; ++e) {
        std::size_t t = boost::target(*e, graph_);
        if (component_[t] == component_[x] && cyclic_[t]) {
          next = t;
          break;
        }
      }
      if (next == SIZE_MAX) break;
      path.push_back(static_cast<std::uint32_t>(next));
      x = next;
    }
  }
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    std::uint32_t lock = UINT32_MAX;
    for (auto [e, end] = boost::out_edges(path[i], graph_); e != end; ++e) {
      if (boost::target(*e, graph_) == path[i + 1]) {
        lock = graph_[*e].lock;
        break;
      }
    }
    v.locks.push_back(lock);
  }
  for (std::uint32_t x : path) v.chain.push_back(contexts_[x]);  // vertices to contexts
  return v;
}

}  // namespace oopsim::sim
