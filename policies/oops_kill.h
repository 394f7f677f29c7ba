// What the kernel's oops handler does to the oopsing context, shared by the policies built on it:
// the context dies where it stands, keeping its locks. The kernel panics instead when the oops
// came in interrupt context by the CPU's recorded preempt count (oops_end(): in_interrupt() ->
// "Fatal exception in interrupt"; a task interrupted by a hard or soft interrupt is not the one
// that oopsed), and when the context is an init, interrupt or idle one, which cannot be killed.
#pragma once

#include <string_view>

#include "policies/policy.h"

namespace oopsim::policies {

// A crash that is a panic() itself, not an oops (the stack protector's): nothing of the oops
// handler runs, so no policy that acts there can act. True (and the kernel panicked) for one.
bool panics_without_oops(const OopsView& oops, EngineActions& engine);

// Returns true when the context was killed, false when the kernel panicked.
bool kill_or_panic(const OopsView& oops, EngineActions& engine, std::string_view why);

// The live recovery module's lock release (traces/vm/recover, modes lock-release and
// subsystem-restart): the context is killed, then every lock it held is released, in the order
// its waiters queued, except a runqueue lock (it died mid-switch: nobody releases that one).
// Returns kill_or_panic's answer.
bool kill_and_release(const OopsView& oops, EngineActions& engine, std::string_view policy);

}  // namespace oopsim::policies
