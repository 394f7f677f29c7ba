// subsystem-restart, as the live recovery does it (traces/vm/recover: the module releases the dead
// context's locks, oopsim-recoverd picks the set, restart.sh restarts it), step by step in
// simulated time with the steps' durations measured live (models/restart_steps.txt):
//   the crash   the context is killed and every lock it held released (lock-release); the set is
//               the faulting module's, else the set whose users include the dying task's
//               workload (models/restart_sets.txt); no set: nothing more (as lock-release);
//   +stop       the set's users (its workloads' processes) are killed: their workloads lose a
//               required process, as live (restart.sh SIGKILLs them);
//   +modprobe   the modules were unloaded and loaded again: the set's state is discarded (its
//               locks released, contexts inside get an error) and a fault in its modules' text is
//               gone with the old text;
//   +start      the users start again as new processes (their workloads keep the no-proc of the
//               old ones) and the set's dead kernel threads start again.
// A crash with no set (code the live recovery cannot restart, such as vfs or net) gets the model's
// reset in place instead: the fault's subsystem is reset at the crash (models/subsystem_rules.txt).
// An incomplete restart: when the dead context held references to the set's file systems (it died
// inside a system call on them, holding a lock there or running the set's own code), umount finds
// them busy and detaches lazily, and rmmod fails: the old instance stays, its state and text with
// it, and the users are started again on it. Its steps take the incomplete restarts' measured
// durations. Oopses are handled one after the other, at most 3 restarts per set (the daemon's
// oopsim.recover_max), and an oops of a task a restart already replaced is left alone.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/restart_sets.h"
#include "models/subsystem_rules.h"
#include "policies/oops_kill.h"
#include "policies/policy_params.h"
#include "policies/policy_registry.h"
#include "policies/subsystem_restart_steps.h"

namespace oopsim::policies {

namespace {

using models::RestartDurations;
using models::RestartSet;
using models::RestartStep;

constexpr double kDefaultLatencySeconds = 0.2;  // a set without live measurements (README)
constexpr int kMaxRestarts = 3;                 // oopsim.recover_max's default

// A user of the set, as restart.sh finds them: a process of a workload that works on the set's
// mounts or device (models/restart_sets.txt), or one that has used its files (taken its locks).
bool uses(const models::ContextInfo& c, const RestartSet& set, const EngineActions& engine) {
  if (c.kind != models::ContextKind::kUserTask) return false;
  return std::any_of(c.workloads.begin(), c.workloads.end(),
                     [&](const std::string& w) { return set.has_user(w); }) ||
         std::any_of(set.subsystems.begin(), set.subsystems.end(),
                     [&](const std::string& s) { return engine.used_subsystem(c.id, s); });
}

class SubsystemRestartPolicy : public Policy {
 public:
  explicit SubsystemRestartPolicy(double latency) : latency_(latency) {}
  std::string_view name() const override { return "subsystem-restart"; }

  void on_oops(const OopsView& oops, EngineActions& engine) override {
    std::string why;
    const RestartSet* set = choose_set(oops, engine, why);
    std::string busy = set ? references_held(oops, engine, *set) : std::string();
    if (!kill_and_release(oops, engine, "subsystem-restart")) return;
    if (set == nullptr) {
      reset_in_place(oops, engine);
      return;
    }
    if (auto r = replaced_.find(oops.context); r != replaced_.end()) {
      engine.note(fmt::format("{} was already replaced by the restart of {}: left alone",
                              engine.context(oops.context).label(), r->second));
      return;
    }
    int& n = restarts_[set->name];
    if (n >= kMaxRestarts) {
      engine.note(fmt::format("{} already restarted {} times: giving up", set->name, n));
      return;
    }
    ++n;
    plan_restart(*set, why, busy, engine);
  }

 private:
  // recoverd's choice: the faulting module's set, else the dying task's workload's.
  const RestartSet* choose_set(const OopsView& oops, EngineActions& engine,
                               std::string& why) const {
    const models::RestartSets& sets = models::RestartSets::builtin();
    // The faulting module: the fault's, for the injected crash and for a later oops in the same
    // (mutated) function.
    const models::FaultInfo* f = engine.fault();
    if (f != nullptr && !oops.first && oops.function != f->symbol) f = nullptr;
    if (f != nullptr && !f->module.empty()) {
      if (const RestartSet* s = sets.for_module(f->module)) {
        why = fmt::format("the faulting module {}", f->module);
        return s;
      }
    }
    const models::ContextInfo& ctx = engine.context(oops.context);
    if (ctx.kind != models::ContextKind::kUserTask) return nullptr;
    for (const std::string& w : ctx.workloads) {
      if (const RestartSet* s = sets.for_workload(w)) {
        why = fmt::format("the dying task's workload {}", w);
        return s;
      }
    }
    return nullptr;
  }

  // Why the dead context keeps references to the set's file systems ("": it does not): it died
  // in a system call of one of the set's users, holding a lock or running the set's own code.
  std::string references_held(const OopsView& oops, EngineActions& engine,
                              const RestartSet& set) const {
    const models::ContextInfo& ctx = engine.context(oops.context);
    if (!uses(ctx, set, engine) || !engine.in_syscall(oops.context)) return "";
    std::vector<models::LockId> held = engine.locks_held_by(oops.context);
    if (!held.empty())
      return fmt::format("{} died in a system call holding {}", ctx.label(),
                         engine.lock(held.front()).label());
    const models::FaultInfo* f = oops.first ? engine.fault() : nullptr;
    if (f != nullptr && set.has_module(f->module))
      return fmt::format("{} died in a system call, in {}'s code", ctx.label(), f->module);
    return "";
  }

  // A subsystem the live recovery has no restart for (no module set): the model's own, a
  // Nooks-style reset in place at the crash: its locks released, its state discarded, contexts
  // inside get an error, and its dead kernel threads back after the latency.
  void reset_in_place(const OopsView& oops, EngineActions& engine) const {
    const models::ContextInfo& ctx = engine.context(oops.context);
    std::string subsystem = models::SubsystemRules::builtin().for_fault(
        oops.first ? engine.fault() : nullptr, oops.function);
    if (subsystem.empty()) {
      engine.note("no subsystem known for the crash: nothing to restart (as lock-release)");
      return;
    }
    engine.reset_subsystem(subsystem,
                           fmt::format("the oops in {} is in {}", ctx.label(), subsystem));
    restart_kernel_threads(
        engine, [&](const std::string& s) { return s == subsystem; },
        to_ticks(latency_, engine.ticks_per_second()),
        fmt::format("{} kernel thread restarted", subsystem));
  }

  RestartDurations durations(const RestartSet& set, bool incomplete) const {
    if (incomplete && set.incomplete) return *set.incomplete;
    if (set.complete) return *set.complete;
    RestartDurations d;  // not measured live: the whole restart in one latency, users at once
    d.ms[static_cast<std::size_t>(RestartStep::kStart)] = latency_ * 1000;
    return d;
  }

  void plan_restart(const RestartSet& set, const std::string& why, const std::string& busy,
                    EngineActions& engine) {
    RestartPlan plan;
    plan.set = &set;
    plan.incomplete = busy;
    plan.durations = durations(set, !busy.empty());
    plan.fault_in_set = engine.fault() != nullptr && set.has_module(engine.fault()->module);
    engine.note(fmt::format(
        "restarting {} ({}), restart {} of at most {}: {} ms{}", set.name, why, restarts_[set.name],
        kMaxRestarts, plan.durations.total(),
        busy.empty() ? std::string()
                     : fmt::format("; incomplete: {}, so umount detaches lazily and rmmod fails, "
                                   "the old instance stays",
                                   busy)));
    for (models::ContextId id : engine.contexts()) {
      if (uses(engine.context(id), set, engine)) plan.users.push_back(id);
    }
    for (models::ContextId id : plan.users) replaced_.emplace(id, set.name);
    models::Ticks after_busy = std::max(busy_until_, engine.now()) - engine.now();
    busy_until_ = engine.now() + plan_restart_steps(engine, std::move(plan), after_busy);
  }

  double latency_;
  std::map<std::string, int> restarts_;                // per set
  std::map<models::ContextId, std::string> replaced_;  // user -> the set whose restart took it
  models::Ticks busy_until_ = 0;                       // the restart under way ends then
};

}  // namespace

PolicyInfo subsystem_restart_policy_info() {
  return {"subsystem-restart",
          "lock-release, then restart the faulting module's set as the live recovery does: stop "
          "its users, unmount, reload the modules (state and mutated text discarded), mount, "
          "start the users again, with each step's measured duration; incomplete when the dead "
          "context kept references [latency=200ms: a set never measured]",
          [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
            double latency = 0;
            if (!duration_param("subsystem-restart", p, "latency", kDefaultLatencySeconds, latency,
                                error)) {
              return nullptr;
            }
            return std::make_unique<SubsystemRestartPolicy>(latency);
          }};
}

}  // namespace oopsim::policies
