#include "policies/oops_kill.h"

#include <fmt/format.h>

#include "models/cpu_state.h"

namespace oopsim::policies {

bool kill_or_panic(const OopsView& oops, EngineActions& engine, std::string_view why) {
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

}  // namespace oopsim::policies
