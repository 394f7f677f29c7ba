// The error's scope (process-local or kernel-global): found from the record by the one
// computation every tool uses (traces/format/scope_tracker.h), fed every item as the feeder reads
// it, so that what the replay predicts (a panic that stops it) does not change it. The rule draws
// the locks held at the crash and their later takers into the propagation graph beside the writes
// and bad reads the other rules add.
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"
#include "traces/format/scope_tracker.h"

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

  bool reads_record() const override { return true; }
  void on_read_section(traces::SectionKind kind) override {
    tracker_.on_section(replay_.model(), kind);
  }
  void on_read_event(traces::SectionKind section, const models::Event& e) override {
    tracker_.on_event(replay_.model(), section, e);
  }

  void on_end(const WaitForGraph&) override {
    Prediction& out = replay_.prediction();
    const traces::TraceModel& m = replay_.model();
    traces::ScopeFinding found = tracker_.finding(m);
    if (found.scope) out.scope = *found.scope;
    out.scope_why = found.why;
    std::uint32_t faulty = replay_.faulty();
    if (faulty == UINT32_MAX || faulty != found.crash_context) return;
    models::PropagationGraph& g = replay_.spread(faulty);
    for (std::size_t i = 0; i < found.held_at_crash.size(); ++i) {
      std::uint32_t lock = found.held_at_crash[i];
      g.holds(lock, m.locks[lock].label());
      if (found.taker[i] != models::Event::kNone)
        g.takes(lock, m.locks[lock].label(), found.taker[i], replay_.label(found.taker[i]));
    }
  }

 private:
  traces::ScopeTracker tracker_;
};

}  // namespace

std::unique_ptr<Rule> make_error_scope(Replay& replay) {
  return std::make_unique<ErrorScope>(replay);
}

}  // namespace oopsim::sim::rules
