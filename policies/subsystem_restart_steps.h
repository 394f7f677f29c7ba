// One live subsystem restart, step by step in simulated time, as traces/vm/recover/restart.sh
// runs it: stop the users, unmount, unload, load, mount, start the users. Each step plans the
// next when it runs (EngineActions::after), so a step that takes longer than measured (a user the
// stop has to wait for) moves the rest.
#pragma once

#include <string>
#include <vector>

#include "models/restart_sets.h"
#include "policies/policy.h"

namespace oopsim::policies {

struct RestartPlan {
  const models::RestartSet* set = nullptr;  // the set (models::RestartSets::builtin())
  models::RestartDurations durations;       // each step's, measured
  std::vector<models::ContextId> users;     // the processes the stop ends
  // Why the restart cannot unload the set ("": it can): the dead context kept references.
  std::string incomplete;
  bool fault_in_set = false;  // the fault mutated the set's module text
};

// Plans the restart's first step `delay` from now (after a restart already under way). Returns
// when, from now, the users start again as measured (a stop that waits moves it later).
models::Ticks plan_restart_steps(EngineActions& engine, RestartPlan plan, models::Ticks delay);

// The dead kernel threads serving a subsystem that `serves` accepts come back after `delay`:
// restarted now, they run from then on.
template <typename Serves>
void restart_kernel_threads(EngineActions& engine, Serves serves, models::Ticks delay,
                            const std::string& why) {
  for (models::ContextId id : engine.contexts()) {
    const models::ContextInfo& c = engine.context(id);
    if (c.kind == models::ContextKind::kKernelThread && !engine.is_alive(id) && serves(c.subsystem))
      engine.restart(id, delay, why);
  }
}

}  // namespace oopsim::policies
