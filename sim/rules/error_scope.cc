// The error's scope (process-local or kernel-global), from the propagation graph: did the error
// reach state other contexts share? The graph has the faulty context's writes after the fault's
// activation and the reads of bad state (bad-state-marks, bad-state-reads); this rule adds the
// locks the crashed context held that someone else takes later in the golden run (a lock others
// release for a dead holder does not count: they let it go).
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

using models::EventType;

class ErrorScope final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "error-scope"; }
  std::vector<std::string_view> scenarios() const override {
    return {"17_process_local_poll_not_manifest", "20_rtnl_reader_oops_killed_holding_lock",
            "24_task_alloc_lock_per_process_lock_release_not_manifest"};
  }

  // The first context other than the crashed one to take each lock after the crash (a trylock
  // does not need it: it goes on without it).
  void on_golden(const models::Event& e, bool after_crash) override {
    if (!after_crash || (e.type != EventType::kLockAttempt && e.type != EventType::kLockAcquired))
      return;
    if (e.context == replay_.crash_context_id() || e.trylock) return;
    if (taker_.size() <= e.lock_ix) taker_.resize(e.lock_ix + 1, UINT32_MAX);
    if (taker_[e.lock_ix] == UINT32_MAX) taker_[e.lock_ix] = e.context_ix;
  }

  void on_crash(ContextSim& c) override { held_at_crash_ = c.held; }

  void on_end(const WaitForGraph&) override {
    Prediction& out = replay_.prediction();
    std::vector<std::string> reasons;
    std::uint32_t faulty = replay_.faulty();
    if (faulty != UINT32_MAX) {
      const traces::TraceModel& m = replay_.model();
      models::PropagationGraph& g = replay_.spread(faulty);
      for (const HeldLock& h : held_at_crash_) {
        const models::LockInfo& lock = m.locks[h.lock];
        if (lock.released_for_dead_holder()) continue;  // others let it go
        g.holds(h.lock, lock.label());
        if (h.lock < taker_.size() && taker_[h.lock] != UINT32_MAX) {
          g.takes(h.lock, lock.label(), taker_[h.lock], replay_.label(taker_[h.lock]));
        }
      }
      out.scope = g.scope(reasons);
    }
    out.scope_why = reasons.empty() ? std::string(
                                          "the faulting context held no lock that others take "
                                          "later and wrote no shared state after the fault's "
                                          "activation")
                                    : reasons.front();
    for (std::size_t i = 1; i < reasons.size(); ++i) out.scope_why += "; " + reasons[i];
  }

 private:
  std::vector<std::uint32_t> taker_;  // by lock index: the first other taker after the crash
  std::vector<HeldLock> held_at_crash_;
};

}  // namespace

std::unique_ptr<Rule> make_error_scope(Replay& replay) {
  return std::make_unique<ErrorScope>(replay);
}

}  // namespace oopsim::sim::rules
