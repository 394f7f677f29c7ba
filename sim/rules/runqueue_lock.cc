// A context that died holding a runqueue lock (a handed-over spinlock) died inside a context
// switch: its CPU never switches again, with the lock held and interrupts off, and the other CPUs
// stall on it (cross-CPU calls, RCU grace periods). An oops in a function that holds its CPU's
// runqueue lock (the trace shows the function taking or releasing one) comes, as a rule, with that
// lock held and interrupts off, even when the trace did not record the take: the same end. (The
// lock-release policy keeps such locks held: policies/lock_release_policy.cc.)
#include <fmt/format.h>

#include <set>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

using models::EventType;

class RunqueueLock final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "runqueue-lock"; }
  std::vector<std::string_view> scenarios() const override {
    return {"34_oops_holding_runqueue_lock_stalls_the_machine",
            "38_oops_in_scheduler_function_without_recorded_take_stalls_the_machine"};
  }
  std::vector<EventType> events() const override {
    return {EventType::kLockAttempt, EventType::kLockAcquired, EventType::kLockRelease};
  }

  void on_event(ContextSim&, const models::Event& e) override {
    const traces::TraceModel& m = replay_.model();
    if (e.lock_ix != models::Event::kNone && e.site_ix != models::Event::kNone &&
        m.locks[e.lock_ix].runqueue_lock()) {
      functions_.insert(m.sites[e.site_ix].function);
    }
  }

  // A kernel replaced (microreboot) after a death: the CPU it left stuck was reset with it.
  void on_kernel_replaced() override {
    for (const auto& c : replay_.states()) {
      if (c && c->dead) old_kernel_.insert(c->index);
    }
  }

  std::optional<Stall> stall(const WaitForGraph&) override {
    const traces::TraceModel& m = replay_.model();
    std::optional<Stall> out;
    for (const auto& c : replay_.states()) {
      if (!c || !c->dead || old_kernel_.count(c->index) != 0) continue;
      if (!c->oopsed_in.empty() && functions_.count(c->oopsed_in) != 0 &&
          (!out || c->died_at < out->since)) {
        out = Stall{c->died_at,
                    fmt::format("{} died in {}, which runs with its CPU's runqueue locked: its "
                                "CPU never switches again, and the other CPUs stall on it "
                                "(cross-CPU calls, RCU grace periods)",
                                replay_.label(c->index), c->oopsed_in)};
      }
      for (const HeldLock& h : c->held) {
        const models::LockInfo& lock = m.locks[h.lock];
        if (!lock.runqueue_lock() || (out && out->since <= c->died_at)) continue;
        out = Stall{c->died_at,
                    fmt::format("{} died holding {} inside a context switch: its CPU never "
                                "switches again, and the other CPUs stall on it (cross-CPU calls, "
                                "RCU grace periods)",
                                replay_.label(c->index), lock.label())};
      }
    }
    return out;
  }

 private:
  std::set<std::string> functions_;     // functions the trace shows taking or releasing one
  std::set<std::uint32_t> old_kernel_;  // dead before the kernel was replaced
};

}  // namespace

std::unique_ptr<Rule> make_runqueue_lock(Replay& replay) {
  return std::make_unique<RunqueueLock>(replay);
}

}  // namespace oopsim::sim::rules
