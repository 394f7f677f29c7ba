// The end of a replay: who is stuck (wait-for graph), the scope, and each workload's outcome.
#include <fmt/format.h>

#include <algorithm>

#include "models/sim_time.h"
#include "sim/graph_dot.h"
#include "sim/replay.h"

namespace oopsim::sim {

using models::Outcome;

std::string Replay::label(std::uint32_t context) const {
  return model_.contexts[context].label();
}

std::string Replay::secs(models::Ticks t) const {
  return models::format_seconds(t, model_.header.ticks_per_second);
}

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
    if (!c || c->dead) continue;
    if (c->state == NodeState::kWaitingLock) {
      for (const Holder& h : locks_.holders(c->wait_lock)) {
        bool kept = kept_hold(*ctx_[h.context], c->wait_lock) != nullptr;
        g.add_edge(c->index, h.context, c->wait_lock, kept);
      }
    } else if (c->state == NodeState::kSleeping) {
      for (std::uint32_t w : c->lost_wakers) g.add_edge(c->index, w, UINT32_MAX);
    }
  }
  // A blocked context that still has to wake a sleeper keeps it waiting.
  for (const auto& c : ctx_) {
    if (!c || (c->state != NodeState::kWaitingLock && c->state != NodeState::kSleeping)) continue;
    for (const models::Event& e : c->queue) {
      if (e.type != models::EventType::kWakeup) continue;
      std::uint32_t t = e.target_ix;
      if (peek(t) && peek(t)->state == NodeState::kSleeping) g.add_edge(t, c->index, UINT32_MAX);
    }
  }
  g.finish();
  return g;
}

std::string Replay::describe_chain(const DeadlockVerdict& v) const {
  std::string out;
  for (std::size_t i = 0; i + 1 < v.chain.size(); ++i) {
    std::uint32_t waiter = v.chain[i], holder = v.chain[i + 1];
    if (i > 0) out += ", which ";
    out += i == 0 ? label(waiter) + " " : "";
    std::uint32_t lock = v.locks[i];
    if (lock == UINT32_MAX) {
      out += fmt::format("sleeps waiting for a wakeup from {}", label(holder));
      continue;
    }
    const models::LockInfo& info = model_.locks[lock];
    models::Ticks since = 0;
    for (const Holder& h : locks_.holders(lock)) {
      if (h.context == holder) since = h.since;
    }
    out += fmt::format("{} on {} held by {} since {}",
                       models::waiters_spin(info.kind) ? "spins" : "sleeps", info.label(),
                       label(holder), secs(since));
  }
  std::uint32_t last = v.chain.back();
  const ContextSim& end = *ctx_[last];
  if (v.kept) {
    out += fmt::format(" ({} keeps it for good: the fault deleted its unlock at {})", label(last),
                       model_.fault ? model_.fault->site() : std::string("?"));
  } else if (v.cycle) {
    out += " (a wait cycle)";
  } else if (end.dead) {
    out += fmt::format(" ({} is dead since {}: {})", label(last), secs(end.died_at), end.death);
  } else if (end.state == NodeState::kExited) {
    out += fmt::format(" ({} exited holding it)", label(last));
  }
  const ContextSim& first = *ctx_[v.chain.front()];
  std::string detector =
      first.state == NodeState::kWaitingLock
          ? std::string(models::stuck_detector(model_.locks[first.wait_lock].kind))
          : std::string("hung task");
  out += fmt::format(" -> {}", detector);
  return out;
}

// What the crash can leave stuck for good: a chain of waiters that ends at a dead context (or one
// that exited holding the lock). Dead contexts wait for nothing, so they are never on a wait
// cycle: a cycle joins live contexts only, which the golden run's locking order rules out in a
// kernel without lock-order bugs. One in the replay means its order drifted (contexts blocked by
// the crash replay their events later than the golden run did), not that the kernel would hang.
bool Replay::stuck_by_crash(const DeadlockVerdict& v) const {
  return v.deadlocked && !v.cycle;
}

// Spinning waiters keep their CPU (preemption is off while they spin). The machine stalls when
// contexts spinning forever take every CPU (nothing else runs from then on), or when an interrupt
// handler spins forever: it never returns, its CPU runs nothing else, and the other CPUs wait on
// that one at their next cross-CPU call or RCU grace period. From then on each workload stops
// there, unless its progress had kept coming until then: from its last rise to the golden run's
// last one it would be silent for no more than twice the golden run's longest wait between rises
// (the live classifier's rule: work in flight that reports once just after the crash is not a
// workload that keeps running).
void Replay::cpus_taken(const WaitForGraph& g) {
  std::uint32_t cpus = model_.header.cpus;
  std::vector<std::pair<models::Ticks, std::uint32_t>> spinners, handlers;
  for (const auto& c : ctx_) {
    if (!c || c->dead || c->state != NodeState::kWaitingLock) continue;
    if (!models::waiters_spin(model_.locks[c->wait_lock].kind)) continue;
    if (!stuck_by_crash(g.analyze(c->index))) continue;
    spinners.emplace_back(c->wait_since, c->index);
    models::ContextKind kind = model_.contexts[c->index].kind;
    if (kind == models::ContextKind::kHardIrq || kind == models::ContextKind::kSoftIrq)
      handlers.emplace_back(c->wait_since, c->index);
  }
  std::sort(spinners.begin(), spinners.end());
  std::sort(handlers.begin(), handlers.end());
  std::optional<models::Ticks> since;
  std::string why;
  if (cpus != 0 && spinners.size() >= cpus) {
    since = spinners[cpus - 1].first;
    std::string who;
    for (std::uint32_t i = 0; i < cpus; ++i) {
      const ContextSim& s = *ctx_[spinners[i].second];
      who += fmt::format("{}{} on {}", i == 0 ? "" : ", ", label(s.index),
                         model_.locks[s.wait_lock].label());
    }
    why = fmt::format(
        "all {} CPUs spin forever with preemption off from {} ({}): nothing else runs -> soft "
        "lockup",
        cpus, secs(*since), who);
  }
  // A context that died holding a runqueue lock (a handed-over spinlock) died inside a context
  // switch: its CPU never switches again, with the lock held and interrupts off.
  for (const auto& c : ctx_) {
    if (!c || !c->dead) continue;
    // An oops in a function that holds its CPU's runqueue lock (the trace shows it taking or
    // releasing one) comes, as a rule, with that lock held and interrupts off, even when the
    // trace did not record the take: the same end.
    if (!c->oopsed_in.empty() && runqueue_functions_.count(c->oopsed_in) != 0 &&
        (!since || c->died_at < *since)) {
      since = c->died_at;
      why = fmt::format(
          "{} died in {}, which runs with its CPU's runqueue locked: its CPU never switches "
          "again, and the other CPUs stall on it (cross-CPU calls, RCU grace periods)",
          label(c->index), c->oopsed_in);
    }
    for (const HeldLock& h : c->held) {
      const models::LockInfo& lock = model_.locks[h.lock];
      if (!lock.runqueue_lock()) continue;
      if (since && *since <= c->died_at) continue;
      since = c->died_at;
      why = fmt::format(
          "{} died holding {} inside a context switch: its CPU never switches again, and the "
          "other CPUs stall on it (cross-CPU calls, RCU grace periods)",
          label(c->index), lock.label());
    }
  }
  if (!handlers.empty() && (!since || handlers.front().first < *since)) {
    const ContextSim& h = *ctx_[handlers.front().second];
    since = h.wait_since;
    why = fmt::format(
        "{} spins forever on {} from {}: an interrupt handler that never returns holds its CPU, "
        "and the other CPUs stall on it (cross-CPU calls, RCU grace periods)",
        label(h.index), model_.locks[h.wait_lock].label(), secs(*since));
  }
  if (!since) return;
  note(why);
  for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
    std::optional<models::Ticks> reached = verdicts_[w].reached_at(model_.workloads[w].target);
    models::Ticks silence = 2 * golden_max_gap_[w];
    models::Ticks keep_from =
        crash_sim_time_ + (golden_last_rise_[w] > silence ? golden_last_rise_[w] - silence : 0);
    if (model_.workloads[w].target != 0 && reached && *reached <= *since &&
        verdicts_[w].rose_between(keep_from, *since))
      continue;
    verdicts_[w].add(models::Finding{*since, Outcome::kDeadlock, why});
  }
}

void Replay::conclude() {
  out_.end_time = last_time_;
  out_.fiber_switches = sched_->switches();
  out_.header = model_.header;
  out_.fault = model_.fault;
  // Required contexts that are dead at the end (a policy may have brought others back).
  for (const auto& c : ctx_) {
    if (!c || !c->dead) continue;
    finding(c->index, Outcome::kNoProc,
            fmt::format("required {} was killed ({})", label(c->index), c->death), true,
            c->died_at);
  }
  if (!panicked_) {
    WaitForGraph g = build_wait_graph();
    for (const auto& c : ctx_) {
      if (!c || (c->state != NodeState::kWaitingLock && c->state != NodeState::kSleeping)) continue;
      DeadlockVerdict v = g.analyze(c->index);
      if (!v.deadlocked) continue;
      std::string why = describe_chain(v);
      if (!stuck_by_crash(v)) {
        note(fmt::format(
            "not counted as a deadlock: {} (a wait cycle among live contexts: the replay's order "
            "drifted from the golden run's, and a kernel without lock-order bugs has no such "
            "cycle)",
            why));
        continue;
      }
      note(fmt::format("stuck for good: {}", why));
      if (timeline_) {
        std::string detector =
            c->state == NodeState::kWaitingLock
                ? std::string(models::stuck_detector(model_.locks[c->wait_lock].kind))
                : std::string("hung task");
        timeline_->instant(c->index, detector + " (predicted)", last_time_, why);
      }
      const models::ContextInfo& info = model_.contexts[c->index];
      for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
        const models::WorkloadInfo& wl = model_.workloads[w];
        bool needed =
            std::find(info.workloads.begin(), info.workloads.end(), wl.name) !=
                info.workloads.end() ||
            std::find(wl.required.begin(), wl.required.end(), info.id) != wl.required.end();
        if (needed) verdicts_[w].add(models::Finding{c->wait_since, Outcome::kDeadlock, why});
      }
    }
    cpus_taken(g);
    // Required processes that never came to exist because their parent died first.
    for (std::uint32_t i = 0; i < ctx_.size(); ++i) {
      bool started = peek(i) ? peek(i)->started : model_.contexts[i].parent == 0;
      if (started) continue;
      const models::ContextInfo& info = model_.contexts[i];
      const ContextSim* parent = peek(model_.context_index.at(info.parent));
      if (parent == nullptr || !parent->dead) continue;
      for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
        const models::WorkloadInfo& wl = model_.workloads[w];
        if (std::find(wl.required.begin(), wl.required.end(), info.id) == wl.required.end())
          continue;
        verdicts_[w].add(
            models::Finding{parent->died_at, Outcome::kNoProc,
                            fmt::format("required {} never started: its parent {} was killed",
                                        info.label(), label(parent->index))});
      }
    }
  }
  // Scope, from the propagation graph: did the error reach state other contexts share?
  std::vector<std::string> reasons;
  if (faulty_ != UINT32_MAX) {
    models::PropagationGraph& g = spread(faulty_);
    for (const HeldLock& h : held_at_crash_) {
      if (model_.locks[h.lock].released_for_dead_holder()) continue;  // others let it go
      g.holds(h.lock, model_.locks[h.lock].label());
      if (h.lock < golden_taker_.size() && golden_taker_[h.lock] != UINT32_MAX) {
        g.takes(h.lock, model_.locks[h.lock].label(), golden_taker_[h.lock],
                label(golden_taker_[h.lock]));
      }
    }
    out_.scope = g.scope(reasons);
  }
  out_.scope_why = reasons.empty() ? std::string(
                                         "the faulting context held no lock that others take "
                                         "later and wrote no shared state after the fault's "
                                         "activation")
                                   : reasons.front();
  for (std::size_t i = 1; i < reasons.size(); ++i) out_.scope_why += "; " + reasons[i];
  if (config_.graphs) {
    WaitForGraph g = build_wait_graph();
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
  if (timeline_) out_.timeline = timeline_->finish(last_time_, out_.policy);
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

}  // namespace oopsim::sim
