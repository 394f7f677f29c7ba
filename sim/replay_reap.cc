// Reaping a killed task: the kernel's own follow-up to every kill a policy makes.
//
// A task killed by an oops becomes a zombie that its parent reaps: wait() finds it and
// release_task() unhashes it and flushes its /proc/<pid> dentries (d_invalidate,
// shrink_dcache_parent, d_walk, __dentry_kill...). The functions that path runs were measured in
// the real guest (models/reap_path.txt). When the fault mutated one of those instructions, and
// every run of it goes wrong, the reaper runs it and oopses in turn. A mutated condition that
// comes out differently only for some data (a deleted branch or NULL check, an off-by-one
// bound) is not enough here: the reaper runs the instruction on other data (the dead task's
// /proc dentries, its own wait queue) than the workloads whose runs crashed; the site-run rule
// (replay_context.cc) keeps such faults, as its contexts do the faulty context's own work. The
// workloads' parent is init, and init oopsing panics the kernel ("Attempted to kill init!").
#include <fmt/format.h>

#include "models/fault_model.h"
#include "models/reap_path.h"
#include "sim/replay.h"

namespace oopsim::sim {

using models::ContextKind;
using models::Outcome;

std::uint32_t Replay::reaper_of(const ContextSim& killed) const {
  const models::ContextInfo& info = model_.contexts[killed.index];
  if (info.parent != 0) {
    std::uint32_t parent = model_.context_index.find(info.parent);
    if (parent != traces::IdIndex::kNone) return parent;
  }
  // A task the trace shows no parent for was started by init (the captured guest starts its
  // workloads in the background from /init), or was handed to init when its parent exited.
  for (std::uint32_t i = 0; i < model_.contexts.size(); ++i) {
    if (model_.contexts[i].kind == ContextKind::kInit) return i;
  }
  return UINT32_MAX;
}

void Replay::reap(ContextSim& killed) {
  if (!crashed_ || panicked_ || !fault_in_text_ || !model_.fault || model_.fault->after.empty() ||
      !models::faults_on_every_run(model_.fault->type)) {
    return;
  }
  const models::ContextInfo& info = model_.contexts[killed.index];
  // Only a process is reaped by its parent; a thread other than the main one reaps itself, and
  // kernel threads are reaped by nobody the trace follows.
  if (info.kind != ContextKind::kUserTask || (info.tid != 0 && info.tid != info.pid)) return;
  if (!models::ReapPath::builtin().contains(model_.fault->symbol, model_.fault->offset)) return;
  std::uint32_t r = reaper_of(killed);
  if (r == UINT32_MAX && info.parent == 0) {
    // Its reaper is init, which every kernel has even when the trace never saw it run; init
    // cannot be killed.
    std::string why = fmt::format(
        "init (pid 1, not in the trace) reaps {}, killed: its wait4 and release_task run the "
        "instruction the fault mutated at {} (models/reap_path.txt): init oopses, and the kernel "
        "cannot kill it",
        label(killed.index), model_.fault->site());
    note(why);
    panic(why);
    return;
  }
  if (r == UINT32_MAX || r == killed.index) return;
  ContextSim& reaper = sim(r);
  // A reaper that is dead, or blocked for good on a lock, never gets to wait().
  if (reaper.dead || reaper.state == NodeState::kWaitingLock) return;
  std::string why = fmt::format(
      "{} reaps {}, killed: its wait4 and release_task run the instruction the fault mutated at "
      "{} (models/reap_path.txt): it oopses again",
      label(r), label(killed.index), model_.fault->site());
  note(why);
  finding(r, Outcome::kOopsAgain, why, false);
  reaper.oopsed_in = model_.fault->symbol;
  if (timeline_) {
    timeline_->instant(
        r, "oops", sched_->now(),
        fmt::format("{} in {} (reaping {})", models::name(models::OopsKind::kUnspecified),
                    model_.fault->symbol, label(killed.index)));
  }
  policies::OopsView view;
  view.context = reaper.id;
  view.time = sched_->now();
  view.kind = models::OopsKind::kUnspecified;
  view.function = model_.fault->symbol;
  view.first = false;
  view.how = fmt::format("oopsed reaping {} at {}, on the reap path", label(killed.index),
                         model_.fault->site());
  // The policy acts on the reaper's oops as on any other: a killed reaper's fiber unwinds when it
  // next runs (kill wakes it), and init cannot be killed: the kernel panics.
  policy_.on_oops(view, *this);
}

}  // namespace oopsim::sim
