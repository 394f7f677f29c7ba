#include "policies/oops_kill.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "models/cpu_state.h"

namespace oopsim::policies {

bool panics_without_oops(const OopsView& oops, EngineActions& engine) {
  if (oops.kind != models::OopsKind::kStackProtector) return false;
  engine.panic(fmt::format(
      "stack-protector: {}'s stack frame in {} was corrupted; __stack_chk_fail panics at once, "
      "before any oops handler",
      engine.context(oops.context).label(), oops.function.empty() ? "?" : oops.function));
  return true;
}

bool kill_or_panic(const OopsView& oops, EngineActions& engine, std::string_view why) {
  if (panics_without_oops(oops, engine)) return false;
  const models::ContextInfo& ctx = engine.context(oops.context);
  if (oops.preempt_count && models::in_interrupt(*oops.preempt_count)) {
    engine.panic(
        fmt::format("Fatal exception in interrupt: the oops came in {} on {}'s CPU "
                    "(preempt count {:#x})",
                    models::context_state(*oops.preempt_count), ctx.label(), *oops.preempt_count));
    return false;
  }
  if (!models::killable(ctx.kind)) {
    engine.panic(fmt::format("{} is a {} context, which the oops handler cannot kill{}",
                             ctx.label(), models::name(ctx.kind),
                             oops.how.empty() ? "" : fmt::format(" (it {})", oops.how)));
    return false;
  }
  engine.kill(oops.context, why);
  return true;
}

bool kill_and_release(const OopsView& oops, EngineActions& engine, std::string_view policy) {
  std::vector<models::LockId> held;
  std::size_t kept = 0;
  for (models::LockId l : engine.locks_held_by(oops.context)) {
    if (engine.lock(l).runqueue_lock()) {
      ++kept;
    } else {
      held.push_back(l);
    }
  }
  std::string why = fmt::format("oops-kill, then its {} lock(s) released", held.size());
  if (kept != 0) why += fmt::format(" ({} runqueue lock(s) kept: it died mid-switch)", kept);
  if (!kill_or_panic(oops, engine, why)) return false;
  for (models::LockId l : held) engine.release_lock(oops.context, l, policy);
  return true;
}

}  // namespace oopsim::policies
