// Across a replaced kernel (a microreboot: Replay::replace_kernel) nothing waits on the old
// kernel's contexts. A context dead by then never sends the wakeups its golden continuation holds;
// without a new kernel they are lost (lost_wakeups.cc). With one, each is served by the new
// kernel: the new kernel's threads and the resurrected requests do that work again, so the sleeper
// goes on when the golden run would have woken it. The wakeups the dead owed before the
// replacement are served at the replacement; later ones as the golden run reaches them.
#include <fmt/format.h>

#include <map>
#include <vector>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class ReplacedKernelWakeups final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "replaced-kernel-wakeups"; }
  std::vector<std::string_view> scenarios() const override {
    return {"57_microreboot_serves_the_wakeup_a_dead_task_owed",
            "49_folio_lock_holder_dies_reader_hung_task",
            "50_killable_folio_wait_on_dead_holder_no_detector"};
  }

  void on_dropped(const ContextSim& sender, const models::Event& e) override {
    if (e.type != models::EventType::kWakeup || !sender.dead) return;
    if (replay_.of_replaced_kernel(sender)) {
      serve(sender, e.target_ix);
    } else {
      owed_.push_back({sender.index, e.target_ix});
    }
  }

  void on_kernel_replaced() override {
    std::vector<Owed> owed;
    owed.swap(owed_);
    for (const Owed& o : owed) {
      const ContextSim* sender = replay_.peek(o.sender);
      if (sender != nullptr && replay_.of_replaced_kernel(*sender)) {
        serve(*sender, o.target);
      } else {
        owed_.push_back(o);  // its sender came back: it may still send it
      }
    }
  }

 private:
  struct Owed {
    std::uint32_t sender, target;
  };

  void serve(const ContextSim& sender, std::uint32_t target) {
    replay_.serve_wakeup(
        target, fmt::format("the new kernel serves the wakeup {} of the old kernel owed it",
                            replay_.label(sender.index)));
  }

  std::vector<Owed> owed_;  // wakeups dropped from the dead, before any replacement
};

}  // namespace

std::unique_ptr<Rule> make_replaced_kernel_wakeups(Replay& replay) {
  return std::make_unique<ReplacedKernelWakeups>(replay);
}

}  // namespace oopsim::sim::rules
