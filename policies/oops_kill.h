// What the kernel's oops handler does to the oopsing context, shared by the policies built on it:
// the context dies where it stands, keeping its locks; an init, interrupt or idle context cannot
// be killed, so the kernel panics instead.
#pragma once

#include <string_view>

#include "policies/policy.h"

namespace oopsim::policies {

// Returns true when the context was killed, false when the kernel panicked.
bool kill_or_panic(const OopsView& oops, EngineActions& engine, std::string_view why);

}  // namespace oopsim::policies
