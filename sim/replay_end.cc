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

void Replay::write_graphs(const WaitForGraph& g) {
  std::vector<std::string> labels, lock_labels;
  std::vector<bool> deadlocked;
  for (std::size_t v = 0; v < boost::num_vertices(g.graph()); ++v) {  // by vertex
    labels.push_back(label(g.context_of(v)));
    deadlocked.push_back(g.analyze(g.context_of(v)).deadlocked);
  }
  for (const models::LockInfo& l : model_.locks) lock_labels.push_back(l.label());
  out_.wait_for_dot = wait_for_dot(g, labels, lock_labels, deadlocked);
  if (spread_) out_.propagation_dot = propagation_dot(*spread_, out_.scope);
}

}  // namespace oopsim::sim
