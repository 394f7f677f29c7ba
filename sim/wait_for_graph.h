// The wait-for graph (Boost.Graph): an edge from each blocked context to each context it waits
// for (the holders of the lock it wants; the senders of a wakeup it needs). A blocked context is
// deadlocked when it reaches, through such edges, a dead context or a wait cycle.
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "models/kernel_model.h"

namespace oopsim::sim {

enum class NodeState { kRunning, kFinished, kWaitingLock, kSleeping, kDead, kExited, kNotStarted };

struct WaitEdge {
  std::uint32_t lock = UINT32_MAX;  // the lock waited for; UINT32_MAX for a wakeup
  bool never_released = false;      // the holder keeps the lock for good, even if it runs on
};

using WaitGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, WaitEdge>;

struct DeadlockVerdict {
  bool deadlocked = false;
  bool cycle = false;  // a wait cycle (else the chain ends at a dead context)
  bool kept = false;   // the chain ends at a lock its (live) holder keeps for good
  std::vector<std::uint32_t>
      chain;  // contexts, from the waiter to the dead one or around the cycle
  std::vector<std::uint32_t> locks;  // lock waited for at each step (UINT32_MAX: a wakeup)
};

class WaitForGraph {
 public:
  // Every context 0..states.size()-1 is a vertex.
  explicit WaitForGraph(std::vector<NodeState> states);
  // Only the given contexts (increasing indices) are vertices: a trace may declare a million
  // contexts of which a few ever run, and only those can wait, hold or be owed a wakeup.
  WaitForGraph(std::vector<std::uint32_t> contexts, std::vector<NodeState> states);
  // `never_released`: the holder will not let the lock go (a waiter on it is stuck for good, even
  // when the holder is alive and running). Both must be vertices.
  void add_edge(std::uint32_t waiter, std::uint32_t holder, std::uint32_t lock,
                bool never_released = false);
  // Call once after all edges are added.
  void finish();

  // By context index; a context that is not a vertex waits for nothing.
  DeadlockVerdict analyze(std::uint32_t context) const;
  bool in_cycle(std::uint32_t context) const;
  // The graph itself, by vertex: vertex v is context context_of(v), in state vertex_state(v).
  const WaitGraph& graph() const { return graph_; }
  std::uint32_t context_of(std::size_t vertex) const { return contexts_[vertex]; }
  NodeState vertex_state(std::size_t vertex) const { return states_[vertex]; }

 private:
  static constexpr std::size_t kNoVertex = SIZE_MAX;
  std::size_t vertex_of(std::uint32_t context) const;

  std::vector<std::uint32_t> contexts_;  // by vertex
  std::vector<NodeState> states_;        // by vertex
  bool dense_ = true;                    // vertex == context
  WaitGraph graph_;
  std::vector<bool> cyclic_;
  std::vector<int> component_;
};

}  // namespace oopsim::sim
