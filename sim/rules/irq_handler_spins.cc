// An interrupt handler (hard or soft irq) that spins forever on a lock the crash left held never
// returns: its CPU runs nothing else, and the other CPUs wait on that one at their next cross-CPU
// call or RCU grace period. The machine stalls from when the first such handler began to spin.
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class IrqHandlerSpins final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "irq-handler-spins"; }
  std::vector<std::string_view> scenarios() const override {
    return {"36_interrupt_handler_spinning_on_dead_holders_lock_stalls_machine"};
  }

  std::optional<Stall> stall(const WaitForGraph& g) override {
    const traces::TraceModel& m = replay_.model();
    const ContextSim* first = nullptr;
    for (const ContextSim* c : spinning_for_good(replay_, g)) {
      models::ContextKind kind = m.contexts[c->index].kind;
      if (kind != models::ContextKind::kHardIrq && kind != models::ContextKind::kSoftIrq) continue;
      // The earliest to begin spinning (ties: the lowest index, as the contexts come in order).
      if (first == nullptr || c->wait_since < first->wait_since) first = c;
    }
    if (first == nullptr) return std::nullopt;
    return Stall{first->wait_since,
                 fmt::format("{} spins forever on {} from {}: an interrupt handler that never "
                             "returns holds its CPU, and the other CPUs stall on it (cross-CPU "
                             "calls, RCU grace periods)",
                             replay_.label(first->index), m.locks[first->wait_lock].label(),
                             replay_.secs(first->wait_since))};
  }
};

}  // namespace

std::unique_ptr<Rule> make_irq_handler_spins(Replay& replay) {
  return std::make_unique<IrqHandlerSpins>(replay);
}

}  // namespace oopsim::sim::rules
