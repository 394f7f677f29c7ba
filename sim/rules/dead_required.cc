// A workload cannot do without the contexts it requires (its processes): one that is dead at the
// end of the replay (a policy may have brought others back) is required-process-gone (no-proc),
// from when it died.
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class DeadRequired final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "dead-required"; }
  std::vector<std::string_view> scenarios() const override {
    return {"06_usb_storage_kthread_required_no_proc", "02_i_mutex_chain_hung_task"};
  }

  void on_end(const WaitForGraph&) override {
    for (const auto& c : replay_.states()) {
      if (!c || !c->dead) continue;
      replay_.finding(c->index, models::Outcome::kNoProc,
                      fmt::format("required {} was killed ({})", replay_.label(c->index), c->death),
                      true, c->died_at);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> make_dead_required(Replay& replay) {
  return std::make_unique<DeadRequired>(replay);
}

}  // namespace oopsim::sim::rules
