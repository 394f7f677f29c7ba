// A CPU that never comes back (the stall rules: all-cpus-spin, runqueue-lock, irq-handler-spins)
// stalls the machine from the earliest such moment: each workload stops there (a deadlock), unless
// it had reached its target and its progress had kept coming until then, by the judge's rule that
// the live classifier uses too (models/outcome_judge.h: progress_kept_coming, measured against the
// golden run's progress after the crash).
#include <algorithm>

#include "models/outcome_judge.h"
#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

using models::EventType;

class MachineStall final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "machine-stall"; }
  std::vector<std::string_view> scenarios() const override {
    return {"32_every_cpu_spins_on_dead_holders_lock_system_stalls",
            "34_oops_holding_runqueue_lock_stalls_the_machine",
            "36_interrupt_handler_spinning_on_dead_holders_lock_stalls_machine",
            "61_stall_before_a_later_panic_keeps_it_from_happening"};
  }

  // The golden run's progress: its highest count so far, how long after the crash its count last
  // rose (within the window), and its longest wait for a rise after the crash.
  void on_golden(const models::Event& e, bool after_crash) override {
    if (e.type != EventType::kProgress) return;
    std::size_t w = e.workload_ix;
    if (high_.size() <= w) {
      high_.resize(w + 1, 0);
      last_rise_.resize(w + 1, 0);
      max_gap_.resize(w + 1, 0);
    }
    auto value = static_cast<std::uint64_t>(e.value);
    if (!after_crash) {
      high_[w] = std::max(high_[w], value);
      return;
    }
    const traces::TraceModel& m = replay_.model();
    models::Ticks crash = replay_.crash_trace_time();
    if (value <= high_[w] || (m.header.window != 0 && e.time > crash + m.header.window)) return;
    models::Ticks after = e.time - crash;
    high_[w] = value;
    max_gap_[w] = std::max(max_gap_[w], after - last_rise_[w]);
    last_rise_[w] = after;
  }

  // A panic that came after the stall began did not happen: the machine ran nothing new from
  // then on (the oops that panicked it, on the way to the end of the replay, never ran).
  void on_end(const WaitForGraph& g) override {
    std::optional<Stall> first;
    for (const std::unique_ptr<Rule>& r : replay_.rules()) {
      std::optional<Stall> s = r->stall(g);
      if (s && (!first || s->since < first->since)) first = std::move(s);
    }
    if (!first) return;
    if (replay_.panicked()) replay_.withdraw_panic(first->since, "the machine stalled");
    if (replay_.panicked()) return;
    replay_.note(first->why);
    const traces::TraceModel& m = replay_.model();
    for (std::size_t w = 0; w < m.workloads.size(); ++w) {
      if (kept_coming(w, first->since)) continue;
      replay_.verdicts()[w].add(
          models::Finding{first->since, models::Outcome::kDeadlock, first->why});
    }
  }

 private:
  // Whether the workload had reached its target and its progress kept coming until `since`.
  bool kept_coming(std::size_t w, models::Ticks since) const {
    std::uint64_t target = replay_.model().workloads[w].target;
    const models::WorkloadVerdict& v = replay_.verdicts()[w];
    std::optional<models::Ticks> reached = v.reached_at(target);
    std::optional<models::Ticks> last = v.last_rise_by(since);
    models::Ticks crash = replay_.crash_time();
    if (target == 0 || !reached || *reached > since || !last || *last < crash) return false;
    return models::progress_kept_coming(*last - crash, at(last_rise_, w), at(max_gap_, w));
  }
  static models::Ticks at(const std::vector<models::Ticks>& v, std::size_t w) {
    return w < v.size() ? v[w] : 0;
  }

  std::vector<std::uint64_t> high_;
  std::vector<models::Ticks> last_rise_;
  std::vector<models::Ticks> max_gap_;
};

}  // namespace

std::unique_ptr<Rule> make_machine_stall(Replay& replay) {
  return std::make_unique<MachineStall>(replay);
}

}  // namespace oopsim::sim::rules
