#include "policies/oops_kill.h"

#include <fmt/format.h>

namespace oopsim::policies {

bool kill_or_panic(const OopsView& oops, EngineActions& engine, std::string_view why) {
  const models::ContextInfo& ctx = engine.context(oops.context);
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
