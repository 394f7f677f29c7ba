// A kernel rule: one thing the kernel does after an oops that the replay of the golden run alone
// would not show (a reaper running the mutated code, a CPU that never switches again, a read of
// state the crash left bad...). Each rule is one file under sim/rules/, owns its state, attaches
// to the engine through the hooks below and names the golden scenarios that cover it. The engine
// (sim/replay.h) calls every rule's hook at each point, in the order of sim/rules/builtin_rules.cc;
// a rule acts on the replay only through Replay's rule-facing calls.
//
// Adding one: a file in sim/rules/ with a class deriving from Rule and a make_...() function, one
// line in builtin_rules.cc, and a golden scenario in tests/golden/ that the rule names.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/event.h"
#include "models/kernel_model.h"
#include "sim/context_sim.h"
#include "sim/wait_for_graph.h"
#include "traces/format/trace_model.h"

namespace oopsim::sim {

class Replay;

// The machine stops running anything new from `since` on (a CPU that never comes back).
struct Stall {
  models::Ticks since = 0;
  std::string why;
};

class Rule {
 public:
  explicit Rule(Replay& replay) : replay_(replay) {}
  virtual ~Rule() = default;
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;

  virtual std::string_view name() const = 0;
  // The golden scenarios (tests/golden/<name>.trace.txt) that show it; a test checks they exist.
  virtual std::vector<std::string_view> scenarios() const = 0;
  // The event types whose replay on_event sees.
  virtual std::vector<models::EventType> events() const { return {}; }

  // --- as the trace is read -------------------------------------------------------------------
  // True: the rule hears of every section and event as the feeder reads them (on_read_*), before
  // the replay does anything with them and whatever it predicts (a panic stops the replay, not
  // the reading). Facts of the record alone (the error's scope) are found this way.
  virtual bool reads_record() const { return false; }
  virtual void on_read_section(traces::SectionKind) {}
  virtual void on_read_event(traces::SectionKind, const models::Event&) {}

  // --- while the contexts replay ---------------------------------------------------------------
  // A context replays an event of a type events() lists, before the engine applies it.
  virtual void on_event(ContextSim&, const models::Event&) {}
  // A lock operation (attempt, acquired, release), before the engine looks at it. True: the rule
  // took it over (the engine does nothing more with it).
  virtual bool before_lock_op(ContextSim&, const models::Event&) { return false; }
  // The engine has applied the lock operation (the lock is taken, or released).
  virtual void after_lock_op(ContextSim&, const models::Event&) {}
  // A take (attempt or acquired) the engine is about to make; true: the rule took it over.
  virtual bool instead_of_take(ContextSim&, const models::Event&) { return false; }
  // A take of a lock the context already holds; true: the rule took it over (else the engine
  // counts a divergence from the golden run).
  virtual bool retake(ContextSim&, const models::Event&) { return false; }
  // A release of a held lock the engine is about to make; true: the rule took it over.
  virtual bool instead_of_release(ContextSim&, const models::Event&) { return false; }
  // Whether the holder never lets this hold go (waiters on it are stuck for good).
  virtual bool keeps_for_good(const ContextSim&, const HeldLock&) const { return false; }
  // An event of the golden run as the feeder reads it; the bool: it is later than the crash.
  virtual void on_golden(const models::Event&, bool) {}
  // A context's event that nothing will replay (it is dead or stuck for good).
  virtual void on_dropped(const ContextSim&, const models::Event&) {}
  // The injected crash: `c` oopsed; before the policy acts.
  virtual void on_crash(ContextSim&) {}
  // A context was killed; before its fiber unwinds.
  virtual void on_kill(ContextSim&) {}
  // A context was killed; after its fiber was woken to unwind.
  virtual void after_kill(ContextSim&) {}
  // A policy replaced the kernel (Replay::replace_kernel): the contexts dead by now are the old
  // kernel's.
  virtual void on_kernel_replaced() {}

  // --- the wait-for graph and the end ----------------------------------------------------------
  // Adds the edges this rule knows of to the graph (the engine adds the lock waits).
  virtual void add_wait_edges(WaitForGraph&) const {}
  // The end of the replay (not after a panic for on_end's stuck analysis: see Replay::conclude).
  virtual void on_end(const WaitForGraph&) {}
  // A CPU this rule sees never coming back, and from when; the earliest of all rules counts.
  virtual std::optional<Stall> stall(const WaitForGraph&) { return std::nullopt; }

 protected:
  Replay& replay_;
};

// What the crash can leave stuck for good: a chain of waiters that ends at a dead context (or one
// that exited holding the lock, or a lock kept for good). Dead contexts wait for nothing, so they
// are never on a wait cycle: a cycle joins live contexts only, which the golden run's locking
// order rules out in a kernel without lock-order bugs. One in the replay means its order drifted
// (contexts blocked by the crash replay their events later than the golden run did), not that the
// kernel would hang.
inline bool stuck_by_crash(const DeadlockVerdict& v) {
  return v.deadlocked && !v.cycle;
}

using RuleList = std::vector<std::unique_ptr<Rule>>;

// Every built-in rule, in the order the engine calls them (sim/rules/builtin_rules.cc).
RuleList builtin_rules(Replay& replay);

}  // namespace oopsim::sim
