// The error's scope (process-local or kernel-global, docs/outcomes.md), decided from the record
// alone and in one place: `simtrace summary`, the campaign's results and index, and every simrun
// prediction (the error-scope rule) all feed the trace's items to a ScopeTracker.
//
// Kernel-global when, after the fault's activation and before the crash, the activating context
// wrote an object that is not its own (a recorded write that cannot carry the error does not
// count: one the fault-free run made the same, or one that code other than the mutated function
// made, models::MemoryAccess::harmless_write); or when the crashing context held at the crash a
// lock (held since the saved state, or taken in the injected run) that another context takes,
// not by a trylock, in the golden run after the crash's time, unless the kernel lets such a lock
// go for a dead holder. Process-local otherwise. What the replay then predicts (a panic that ends
// it early, a policy) does not change it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/event.h"
#include "models/outcome.h"
#include "traces/format/trace_model.h"
#include "traces/format/trace_reader.h"

namespace oopsim::traces {

struct ScopeFinding {
  std::optional<models::Scope> scope;  // unset: the trace has no crash
  std::string why;                     // every reason, "; " between them
  // The facts, by dense index: the crashing context's locks at the crash (in the order taken)
  // and, for each, the first other context to take it later (Event::kNone: nobody).
  std::uint32_t crash_context = models::Event::kNone;
  std::vector<std::uint32_t> held_at_crash;
  std::vector<std::uint32_t> taker;
  // Objects not its own the activating context wrote after the activation (first write order).
  std::uint32_t activator = models::Event::kNone;
  std::vector<std::uint32_t> shared_writes;
};

class ScopeTracker {
 public:
  // A section starts (the locks held since the saved state are held from the injected one's).
  void on_section(const TraceModel& model, SectionKind kind);
  // An event as read, in trace order.
  void on_event(const TraceModel& model, SectionKind section, const models::Event& e);
  // After the last item.
  ScopeFinding finding(const TraceModel& model) const;

 private:
  bool activated_ = false;
  bool crashed_ = false;
  models::Ticks crash_time_ = 0;
  std::vector<std::vector<std::uint32_t>> held_;  // injected run: by context index, lock indices
  ScopeFinding f_;
};

}  // namespace oopsim::traces
