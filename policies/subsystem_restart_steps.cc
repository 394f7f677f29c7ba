#include "policies/subsystem_restart_steps.h"

#include <fmt/format.h>

#include <memory>

namespace oopsim::policies {

namespace {

using models::RestartStep;

// restart.sh waits this long for each user it SIGKILLed to be gone (300 polls of 10 ms), then
// goes on without it ("stop(stuck:...)"). The model checks the user again at the unload.
constexpr double kStopWaitSeconds = 3;

struct Run {
  RestartPlan plan;
  std::vector<models::ContextId> waited;  // users the stop had to wait for
  bool stuck = false;                     // one of them never went: the old instance stays
};

models::Ticks ticks(double ms, const EngineActions& e) {
  return static_cast<models::Ticks>(ms * 1e-3 * static_cast<double>(e.ticks_per_second()));
}

// restart.sh gives up waiting: a user still in its wait stays, stuck; one whose wait ended on
// the way went then.
void give_up_waiting(EngineActions& e, const std::shared_ptr<Run>& r) {
  for (models::ContextId id : r->waited) {
    if (!e.is_alive(id)) continue;
    if (e.waits_uninterruptibly(id)) {
      e.note(fmt::format("{} is still in its wait: the restart of {} goes on without it (stuck)",
                         e.context(id).label(), r->plan.set->name));
      r->stuck = true;
    } else {
      e.kill(id, fmt::format("stopped by the restart of {} (its wait ended)", r->plan.set->name));
    }
  }
}

void reload(EngineActions& e, const std::shared_ptr<Run>& r) {
  const models::RestartSet& set = *r->plan.set;
  give_up_waiting(e, r);
  if (!r->plan.incomplete.empty()) return;  // the old instance stays (said at the restart's start)
  if (r->stuck) {
    e.note(
        fmt::format("{} stays loaded: a user the stop could not end keeps its files there "
                    "(umount detaches lazily, rmmod fails)",
                    set.name));
    return;
  }
  for (const std::string& s : set.subsystems)
    e.reset_subsystem(s, fmt::format("{} was unloaded and loaded again", set.name));
  if (r->plan.fault_in_set)
    e.reload_kernel_text(fmt::format("modprobe loaded {}'s text afresh", set.name));
}

// restart.sh's stop: SIGKILL to every user. One in a wait no signal ends (on a lock, or asleep
// uninterruptibly) is only killed on its way back to user space: the stop waits for it.
void stop(EngineActions& e, const std::shared_ptr<Run>& r) {
  const models::RestartSet& set = *r->plan.set;
  for (models::ContextId id : r->plan.users) {
    if (!e.is_alive(id)) continue;
    if (e.waits_uninterruptibly(id)) {
      e.note(
          fmt::format("{} waits where no signal reaches it: the restart of {} waits up to {} s "
                      "for it to go",
                      e.context(id).label(), set.name, kStopWaitSeconds));
      r->waited.push_back(id);
      continue;
    }
    e.kill(id, fmt::format("stopped by the restart of {}", set.name));
  }
  // From the users' stop until the mount: no instance of the set (sim/rules/subsystem_down.cc).
  const models::RestartDurations& d = r->plan.durations;
  models::Ticks down =
      ticks(d.until(RestartStep::kMount), e) - ticks(d.until(RestartStep::kStop), e);
  for (const std::string& s : set.subsystems)
    e.take_down(s, e.now() + down, "the restart of " + set.name);
}

}  // namespace

models::Ticks plan_restart_steps(EngineActions& engine, RestartPlan plan, models::Ticks delay) {
  auto r = std::make_shared<Run>();
  r->plan = std::move(plan);
  const std::string& name = r->plan.set->name;
  auto at = [&](RestartStep step) { return delay + ticks(r->plan.durations.until(step), engine); };
  // Every step is planned now (a step planned by a step that runs after the input's end would
  // not run); restart.sh's wait for a user it could not stop is not added to the durations.
  engine.after(at(RestartStep::kStop), name + ": stop its users, unmount, unload",
               [r](EngineActions& e) { stop(e, r); });
  engine.after(at(RestartStep::kModprobe),
               name + (r->plan.incomplete.empty() ? ": modules unloaded and loaded again"
                                                  : ": umount and rmmod fail, modprobe"),
               [r](EngineActions& e) { reload(e, r); });
  // The users start again as new processes: their workloads have lost the process they had
  // (no-proc, as the live classifier sees the old one exit), so the replay leaves them dead.
  engine.after(at(RestartStep::kStart), name + ": start its users again (new processes)",
               [](EngineActions&) {});
  // The set's dead kernel threads come back then: restarted now, they run from then on (a
  // context dead until then would lose the golden events the replay reads meanwhile).
  const models::RestartSet& set = *r->plan.set;
  restart_kernel_threads(
      engine, [&](const std::string& s) { return set.has_subsystem(s); }, at(RestartStep::kStart),
      fmt::format("{} kernel thread started again with the set", name));
  return at(RestartStep::kStart);
}

}  // namespace oopsim::policies
