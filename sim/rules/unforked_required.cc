// A required process that never came to exist: the golden run forks it later, but its parent died
// first, so nothing ever forks it -> no-proc for the workloads that require it, from the parent's
// death.
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class UnforkedRequired final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "unforked-required"; }
  std::vector<std::string_view> scenarios() const override {
    return {"19_cron_unforked_child_no_proc"};
  }

  void on_end(const WaitForGraph&) override {
    if (replay_.panicked()) return;
    const traces::TraceModel& m = replay_.model();
    for (std::uint32_t i = 0; i < replay_.states().size(); ++i) {
      const ContextSim* self = replay_.peek(i);
      bool started = self ? self->started : m.contexts[i].parent == 0;
      if (started) continue;
      const models::ContextInfo& info = m.contexts[i];
      const ContextSim* parent = replay_.peek(m.context_index.at(info.parent));
      if (parent == nullptr || !parent->dead) continue;
      replay_.finding(i, models::Outcome::kNoProc,
                      fmt::format("required {} never started: its parent {} was killed",
                                  info.label(), replay_.label(parent->index)),
                      true, parent->died_at);
    }
  }
};

}  // namespace

std::unique_ptr<Rule> make_unforked_required(Replay& replay) {
  return std::make_unique<UnforkedRequired>(replay);
}

}  // namespace oopsim::sim::rules
