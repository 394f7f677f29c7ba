// An interrupt that answers the dead context's own later request never comes. A device raises an
// interrupt when it completes work a context gave it; the handler takes the lock the submitter
// took to queue that work (a host controller's or a queue's lock). When the golden run shows the
// dead context taking that lock again after the crash (it queued more work, which the dead no
// longer queues) before the handler's take, the handler's run answers the dead's submission: it
// does not happen, and it cannot spin on the lock the dead still holds. A handler whose lock the
// dead did not take again (a timer, another task's I/O) still comes, and spins
// (irq_handler_spins.cc).
#include <fmt/format.h>

#include <set>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class UnansweredInterrupts final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "unanswered-interrupts"; }
  std::vector<std::string_view> scenarios() const override {
    return {"60_interrupt_for_the_deads_own_request_never_comes",
            "36_interrupt_handler_spinning_on_dead_holders_lock_stalls_machine"};
  }

  void on_dropped(const ContextSim& sender, const models::Event& e) override {
    if (!sender.dead || e.lock_ix == models::Event::kNone) return;
    if (e.type == models::EventType::kLockAttempt || e.type == models::EventType::kLockAcquired)
      retaken_by_dead_.insert(e.lock_ix);
  }

  bool instead_of_take(ContextSim& c, const models::Event& e) override {
    const traces::TraceModel& m = replay_.model();
    models::ContextKind kind = m.contexts[c.index].kind;
    if (kind != models::ContextKind::kHardIrq && kind != models::ContextKind::kSoftIrq)
      return false;
    if (!retaken_by_dead_.count(e.lock_ix)) return false;
    const ContextSim* holder = nullptr;
    for (const Holder& h : replay_.lock_table().holders(e.lock_ix)) {
      const ContextSim* s = replay_.peek(h.context);
      if (s != nullptr && s->dead) holder = s;
    }
    if (holder == nullptr) return false;
    replay_.skip_take(c, e.lock_ix,
                      fmt::format("{}'s take of {} answers work {} queued under it after the "
                                  "crash in the golden run, which the dead never queued: that "
                                  "interrupt does not come",
                                  replay_.label(c.index), m.locks[e.lock_ix].label(),
                                  replay_.label(holder->index)));
    return true;
  }

 private:
  std::set<std::uint32_t> retaken_by_dead_;  // locks a dead context's dropped events take
};

}  // namespace

std::unique_ptr<Rule> make_unanswered_interrupts(Replay& replay) {
  return std::make_unique<UnansweredInterrupts>(replay);
}

}  // namespace oopsim::sim::rules
