// Reaping a killed task: the kernel's own follow-up to every kill a policy makes.
//
// A task killed by an oops becomes a zombie that its parent reaps: wait() finds it and
// release_task() unhashes it and flushes its /proc/<pid> dentries (d_invalidate,
// shrink_dcache_parent, d_walk, __dentry_kill...). The functions that path runs were measured in
// the real guest, once per kernel build (models/reap_path*.txt). When the fault mutated one of
// those instructions, and every run of it goes wrong, the reaper runs it and oopses in turn. A
// mutated condition that comes out differently only for some data (a deleted branch or NULL check,
// an off-by-one bound) is not enough here: the reaper runs the instruction on other data (the dead
// task's /proc dentries, its own wait queue) than the workloads whose runs crashed; the
// mutated-code rule keeps such faults, as its contexts do the faulty context's own work. The
// workloads' parent is init, and init oopsing panics the kernel ("Attempted to kill init!").
#include <fmt/format.h>

#include "models/fault_model.h"
#include "models/reap_path.h"
#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

using models::ContextKind;

class ReapKilled final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "reap-killed"; }
  std::vector<std::string_view> scenarios() const override {
    return {"42_killed_task_reaped_by_init_through_mutated_instruction_panics"};
  }

  void after_kill(ContextSim& killed) override {
    const models::FaultInfo* f = replay_.live_fault();
    if (f == nullptr || replay_.panicked() || f->after.empty() ||
        !models::faults_on_every_run(f->type)) {
      return;
    }
    const models::ContextInfo& info = replay_.model().contexts[killed.index];
    // Only a process is reaped by its parent; a thread other than the main one reaps itself, and
    // kernel threads are reaped by nobody the trace follows.
    if (info.kind != ContextKind::kUserTask || (info.tid != 0 && info.tid != info.pid)) return;
    const models::ReapPath& path =
        models::ReapPath::for_kernel(replay_.model().header.kernel_release);
    if (!path.contains(f->symbol, f->offset)) return;
    std::uint32_t r = reaper_of(killed);
    if (r == UINT32_MAX && info.parent == 0) {
      // Its reaper is init, which every kernel has even when the trace never saw it run; init
      // cannot be killed.
      std::string why = fmt::format(
          "init (pid 1, not in the trace) reaps {}, killed: its wait4 and release_task run the "
          "instruction the fault mutated at {} ({}): init oopses, and the kernel cannot kill it",
          replay_.label(killed.index), f->site(), path.source());
      replay_.note(why);
      replay_.panic(why);
      return;
    }
    if (r == UINT32_MAX || r == killed.index) return;
    ContextSim& reaper = replay_.sim(r);
    // A reaper that is dead, or blocked for good on a lock, never gets to wait().
    if (reaper.dead || reaper.state == NodeState::kWaitingLock) return;
    std::string why = fmt::format(
        "{} reaps {}, killed: its wait4 and release_task run the instruction the fault mutated at "
        "{} ({}): it oopses again",
        replay_.label(r), replay_.label(killed.index), f->site(), path.source());
    replay_.note(why);
    replay_.finding(r, models::Outcome::kOopsAgain, why, false);
    replay_.oops_of(reaper, models::OopsKind::kUnspecified, f->symbol,
                    fmt::format("oopsed reaping {} at {}, on the reap path",
                                replay_.label(killed.index), f->site()),
                    "reaping " + replay_.label(killed.index));
  }

 private:
  // The context that reaps `killed`: its parent, else init; UINT32_MAX: not in the trace.
  std::uint32_t reaper_of(const ContextSim& killed) const {
    const traces::TraceModel& m = replay_.model();
    const models::ContextInfo& info = m.contexts[killed.index];
    if (info.parent != 0) {
      std::uint32_t parent = m.context_index.find(info.parent);
      if (parent != traces::IdIndex::kNone) return parent;
    }
    // A task the trace shows no parent for was started by init (the captured guest starts its
    // workloads in the background from /init), or was handed to init when its parent exited.
    for (std::uint32_t i = 0; i < m.contexts.size(); ++i) {
      if (m.contexts[i].kind == ContextKind::kInit) return i;
    }
    return UINT32_MAX;
  }
};

}  // namespace

std::unique_ptr<Rule> make_reap_killed(Replay& replay) {
  return std::make_unique<ReapKilled>(replay);
}

}  // namespace oopsim::sim::rules
