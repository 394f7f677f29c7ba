// Who is stuck for good at the end: a blocked context whose chain of waits (the wait-for graph)
// ends at a dead context, at one that exited holding the lock, or at a lock kept for good -> a
// deadlock for every workload that needs it, from when it began to wait, reported by the detector
// its wait trips (soft lockup for a spinner, hung task for a sleeper). A wait cycle among live
// contexts is not counted (see stuck_by_crash in sim/rule.h).
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class StuckChains final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "stuck-chains"; }
  std::vector<std::string_view> scenarios() const override {
    return {"01_set_fs_pwd_fs_lock_soft_lockup", "02_i_mutex_chain_hung_task",
            "35_wait_cycle_among_live_contexts_is_replay_drift_not_deadlock",
            "50_killable_folio_wait_on_dead_holder_no_detector"};
  }

  void on_end(const WaitForGraph& g) override {
    if (replay_.panicked()) return;
    for (const auto& c : replay_.states()) {
      if (!c || (c->state != NodeState::kWaitingLock && c->state != NodeState::kSleeping)) continue;
      DeadlockVerdict v = g.analyze(c->index);
      if (!v.deadlocked) continue;
      std::string why = describe(v);
      if (!stuck_by_crash(v)) {
        replay_.note(fmt::format(
            "not counted as a deadlock: {} (a wait cycle among live contexts: the replay's order "
            "drifted from the golden run's, and a kernel without lock-order bugs has no such "
            "cycle)",
            why));
        continue;
      }
      replay_.note(fmt::format("stuck for good: {}", why));
      replay_.observe().instant(c->index, detector(*c) + " (predicted)", replay_.last_time(), why);
      replay_.finding(c->index, models::Outcome::kDeadlock, why, false, c->wait_since);
    }
  }

 private:
  // The kernel's detector of this wait: the hung-task detector reports only a task asleep in
  // exactly TASK_UNINTERRUPTIBLE; an interruptible or killable sleeper is reported by nobody.
  std::string detector(const ContextSim& c) const {
    if (c.state == NodeState::kWaitingLock)
      return std::string(models::stuck_detector(replay_.model().locks[c.wait_lock].kind));
    return c.sleep_reported ? "hung task"
                            : "no detector report (an interruptible or killable sleep)";
  }

  std::string step(std::uint32_t sleeper, std::uint32_t holder, std::uint32_t lock) const {
    if (lock == UINT32_MAX) {
      const ContextSim* s = replay_.peek(sleeper);
      if (s != nullptr && s->sleep_on != UINT32_MAX) {
        return fmt::format("sleeps on {} waiting for a wakeup from {}",
                           replay_.model().locks[s->sleep_on].label(), replay_.label(holder));
      }
      return fmt::format("sleeps waiting for a wakeup from {}", replay_.label(holder));
    }
    const models::LockInfo& info = replay_.model().locks[lock];
    models::Ticks since = 0;
    for (const Holder& h : replay_.lock_table().holders(lock)) {
      if (h.context == holder) since = h.since;
    }
    return fmt::format("{} on {} held by {} since {}",
                       models::waiters_spin(info.kind) ? "spins" : "sleeps", info.label(),
                       replay_.label(holder), replay_.secs(since));
  }

  std::string describe(const DeadlockVerdict& v) const {
    std::string out;
    for (std::size_t i = 0; i + 1 < v.chain.size(); ++i) {
      if (i > 0) out += ", which ";
      out += i == 0 ? replay_.label(v.chain[i]) + " " : "";
      out += step(v.chain[i], v.chain[i + 1], v.locks[i]);
    }
    std::uint32_t last = v.chain.back();
    const ContextSim& end = *replay_.peek(last);
    const traces::TraceModel& m = replay_.model();
    if (v.kept) {
      out += fmt::format(" ({} keeps it for good: the fault deleted its unlock at {})",
                         replay_.label(last), m.fault ? m.fault->site() : std::string("?"));
    } else if (v.cycle) {
      out += " (a wait cycle)";
    } else if (end.dead) {
      out += fmt::format(" ({} is dead since {}: {})", replay_.label(last),
                         replay_.secs(end.died_at), end.death);
    } else if (end.state == NodeState::kExited) {
      out += fmt::format(" ({} exited holding it)", replay_.label(last));
    }
    return out + " -> " + detector(*replay_.peek(v.chain.front()));
  }
};

}  // namespace

std::unique_ptr<Rule> make_stuck_chains(Replay& replay) {
  return std::make_unique<StuckChains>(replay);
}

}  // namespace oopsim::sim::rules
