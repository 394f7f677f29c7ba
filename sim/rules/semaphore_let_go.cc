// Sleeping locks that others release for their holder (a semaphore another task ups, a
// completion-like handoff) do not stay with a dead context: another task lets them go as it always
// does, and their waiters go on. Every other lock stays held by the dead (an oops does not unlock).
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class SemaphoreLetGo final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "semaphore-let-go"; }
  std::vector<std::string_view> scenarios() const override {
    return {"37_semaphore_upped_by_others_is_let_go_for_the_dead"};
  }

  void on_kill(ContextSim& c) override {
    const traces::TraceModel& m = replay_.model();
    for (const HeldLock& h : std::vector<HeldLock>(c.held)) {
      if (!m.locks[h.lock].released_for_dead_holder()) continue;
      replay_.note(fmt::format("{} released from {}: others release it for its holder",
                               m.locks[h.lock].label(), replay_.label(c.index)));
      replay_.release(c, h.lock);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> make_semaphore_let_go(Replay& replay) {
  return std::make_unique<SemaphoreLetGo>(replay);
}

}  // namespace oopsim::sim::rules
