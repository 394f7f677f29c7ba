// A recovery policy: what the kernel does when an oops happens. A policy looks at the crash and the
// simulated kernel state through EngineActions and acts only through it, so each policy is one
// file and the engine (sim/) stays the only owner of state.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/consistency_model.h"
#include "models/event.h"
#include "models/fault_model.h"
#include "models/kernel_model.h"

namespace oopsim::policies {

struct OopsView {
  models::ContextId context = 0;  // the context that oopsed
  models::Ticks time = 0;         // simulated time of the oops
  models::OopsKind kind = models::OopsKind::kUnspecified;
  std::string function;
  bool first = true;  // the injected crash (false: a later oops the engine predicted)
  std::string how;    // how it came to oops, when the engine knows more than the function
  // The CPU's preempt count at the oops (models/cpu_state.h), when the trace recorded it.
  std::optional<std::uint32_t> preempt_count;
};

// The engine's side: what a policy may look at and the actions it may take.
class EngineActions {
 public:
  virtual ~EngineActions() = default;

  virtual const models::ContextInfo& context(models::ContextId id) const = 0;
  virtual const models::LockInfo& lock(models::LockId id) const = 0;
  virtual std::vector<models::LockId> locks_held_by(models::ContextId id) const = 0;
  virtual bool is_alive(models::ContextId id) const = 0;
  virtual models::Ticks now() const = 0;
  virtual std::uint64_t ticks_per_second() const = 0;
  // The injected fault, if the trace declares it (its subsystem, module, symbol).
  virtual const models::FaultInfo* fault() const = 0;
  virtual std::vector<models::ContextId> contexts() const = 0;
  virtual std::vector<models::LockId> locks() const = 0;
  // The faulting context and every context that has read state the fault left bad.
  virtual std::vector<models::ContextId> reached_contexts() const = 0;
  virtual bool in_syscall(models::ContextId id) const = 0;
  // Whether the context is in a wait no signal ends: waiting for a lock, or asleep
  // uninterruptibly. SIGKILL does not end such a task until its wait is over: it is killed on
  // its way back to user space.
  virtual bool waits_uninterruptibly(models::ContextId id) const = 0;
  // Whether the context has taken (or tried to take) a lock of the subsystem so far: it uses the
  // subsystem's files or devices.
  virtual bool used_subsystem(models::ContextId id, std::string_view subsystem) const = 0;
  // The consistency state: objects the crash left tainted or possibly inconsistent.
  virtual std::vector<models::ObjectId> bad_objects() const = 0;
  virtual models::StateMark state_of(models::ObjectId id) const = 0;
  virtual const models::ObjectInfo& object(models::ObjectId id) const = 0;

  // The context dies where it stands; the locks it holds stay held.
  virtual void kill(models::ContextId id, std::string_view why) = 0;
  // A dead context comes back after `delay` and goes on with its golden continuation.
  virtual void restart(models::ContextId id, models::Ticks delay, std::string_view why) = 0;
  // The context's current request returns an error: detect-error for its workloads, unless they
  // retry.
  virtual void fail_request(models::ContextId id, std::string_view why) = 0;
  // The context's current system call is undone: the locks it took and the state it wrote since
  // the call began are given back, and the call fails (fail_request). False when it is not in a
  // system call (nothing is done).
  virtual bool rollback_request(models::ContextId id, std::string_view why) = 0;
  // Every lock of the subsystem is released (waiters and holders inside it get an error return)
  // and its state is discarded.
  virtual void reset_subsystem(std::string_view subsystem, std::string_view why) = 0;
  // All kernel state is thrown away (a reboot): nothing is bad any more.
  virtual void discard_all_state(std::string_view why) = 0;
  // Kernel text is loaded afresh: a mutation of it (the injected fault) is gone from here on.
  virtual void reload_kernel_text(std::string_view why) = 0;
  // The kernel is replaced by a fresh instance (a microreboot): nothing waits on a context of the
  // old kernel from now on. A wakeup that a context dead by now owes (its golden continuation
  // would send it) is served by the new kernel: the sleeper goes on, now and whenever the golden
  // run would have woken it (sim/rules/replaced_kernel_wakeups.cc).
  virtual void replace_kernel(std::string_view why) = 0;
  // Nothing runs for `duration` (every context's later events are delayed).
  virtual void pause_all(models::Ticks duration, std::string_view why) = 0;
  // The holder loses the lock; its waiters are woken in order.
  virtual void release_lock(models::ContextId holder, models::LockId lock,
                            std::string_view why) = 0;
  // The subsystem is down from now until `until` (a restart unmounted or unloaded it): a request
  // entering it meanwhile (a take of one of its locks by a task in a system call) fails, or waits
  // for `until` when its workload retries (sim/rules/subsystem_down.cc).
  virtual void take_down(std::string_view subsystem, models::Ticks until, std::string_view why) = 0;
  // The kernel stops: every workload panics.
  virtual void panic(std::string_view why) = 0;
  // A line for the explanation.
  virtual void note(std::string_view text) = 0;
  // A later step of the policy, `delay` from now in simulated time (a restart's steps take time):
  // `step` then acts through the engine as on_oops does. Steps run in time order; none runs once
  // the kernel has panicked.
  virtual void after(models::Ticks delay, std::string_view why,
                     std::function<void(EngineActions&)> step) = 0;
};

// Parameters from the command line: --policy=name:key=value,key=value.
using PolicyParams = std::map<std::string, std::string>;

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  // Called at every oops, the injected crash first.
  virtual void on_oops(const OopsView& oops, EngineActions& engine) = 0;
};

}  // namespace oopsim::policies
