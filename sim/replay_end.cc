// The end of a replay: the wait-for graph, the rules' verdicts, and each workload's outcome.
#include "sim/graph_dot.h"
#include "sim/replay.h"

namespace oopsim::sim {

WaitForGraph Replay::build_wait_graph() const {
  // Only contexts with state can wait, hold or be owed a wakeup: they are the vertices.
  std::vector<std::uint32_t> contexts;
  std::vector<NodeState> states;
  for (const auto& c : ctx_) {
    if (!c) continue;
    contexts.push_back(c->index);
    states.push_back(node_state(c->index));
  }
  WaitForGraph g(std::move(contexts), std::move(states));
  for (const auto& c : ctx_) {
    if (!c || c->dead || c->state != NodeState::kWaitingLock) continue;
    for (const Holder& h : locks_.holders(c->wait_lock)) {
      bool kept = kept_hold(*ctx_[h.context], c->wait_lock) != nullptr;
      g.add_edge(c->index, h.context, c->wait_lock, kept);
    }
  }
  for (const std::unique_ptr<Rule>& r : rules_) r->add_wait_edges(g);
  g.finish();
  return g;
}

void Replay::conclude() {
  out_.end_time = last_time_;
  out_.fiber_switches = sched_->switches();
  out_.header = model_.header;
  out_.fault = model_.fault;
  WaitForGraph g = build_wait_graph();
  for (const std::unique_ptr<Rule>& r : rules_) r->on_end(g);
  if (config_.graphs) write_graphs(g);
  observers_.finish(last_time_, out_);
  for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
    WorkloadPrediction p;
    p.workload = model_.workloads[w].name;
    p.predicted = verdicts_[w].decide(model_.workloads[w].target);
    for (const traces::ObservedOutcome& o : reader_.all_observed()) {
      if (o.workload == p.workload) p.observed = o;
    }
    out_.workloads.push_back(std::move(p));
  }
}

// The wait-for graph cut to what is blocked: the contexts that wait and those they wait for (a
// replay can have hundreds of contexts, most of them finished); nothing blocked: no graph.
void Replay::write_graphs(const WaitForGraph& g) {
  const WaitGraph& graph = g.graph();
  std::vector<bool> keep(boost::num_vertices(graph), false);
  for (auto [e, end] = boost::edges(graph); e != end; ++e) {
    keep[boost::source(*e, graph)] = true;
    keep[boost::target(*e, graph)] = true;
  }
  std::vector<std::uint32_t> contexts;
  std::vector<NodeState> states;
  for (std::size_t v = 0; v < keep.size(); ++v) {
    if (!keep[v]) continue;
    contexts.push_back(g.context_of(v));
    states.push_back(g.vertex_state(v));
  }
  if (!contexts.empty()) {
    WaitForGraph cut(contexts, states);
    for (auto [e, end] = boost::edges(graph); e != end; ++e) {
      cut.add_edge(g.context_of(boost::source(*e, graph)), g.context_of(boost::target(*e, graph)),
                   graph[*e].lock, graph[*e].never_released);
    }
    cut.finish();
    std::vector<std::string> labels, lock_labels;
    std::vector<bool> deadlocked;
    for (std::uint32_t c : contexts) {  // the cut's vertices, in order
      labels.push_back(label(c));
      deadlocked.push_back(g.analyze(c).deadlocked);
    }
    for (const models::LockInfo& l : model_.locks) lock_labels.push_back(l.label());
    out_.wait_for_dot = wait_for_dot(cut, labels, lock_labels, deadlocked);
  }
  if (spread_) out_.propagation_dot = propagation_dot(*spread_, out_.scope);
}

}  // namespace oopsim::sim
