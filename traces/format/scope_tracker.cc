#include "traces/format/scope_tracker.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace oopsim::traces {

using models::EventType;

void ScopeTracker::on_section(const TraceModel& model, SectionKind kind) {
  if (kind != SectionKind::kInjected) return;
  // Both runs start from the same saved state: the locks held then are held now.
  held_.assign(model.contexts.size(), {});
  for (std::uint32_t l = 0; l < model.locks.size(); ++l) {
    for (models::ContextId holder : model.locks[l].held_at_start) {
      std::uint32_t ci = model.context_index.find(holder);
      if (ci != IdIndex::kNone) held_[ci].push_back(l);
    }
  }
}

void ScopeTracker::on_event(const TraceModel& model, SectionKind section, const models::Event& e) {
  if (section == SectionKind::kGolden) {
    // A later take by another context of a lock the crashed context held (a trylock goes on
    // without the lock: it does not need it).
    if (!crashed_ || e.time <= crash_time_ || e.context_ix == f_.crash_context || e.trylock ||
        (e.type != EventType::kLockAttempt && e.type != EventType::kLockAcquired))
      return;
    for (std::size_t i = 0; i < f_.held_at_crash.size(); ++i) {
      if (f_.held_at_crash[i] == e.lock_ix && f_.taker[i] == models::Event::kNone)
        f_.taker[i] = e.context_ix;
    }
    return;
  }
  if (crashed_) return;  // what the injected run did after the crash does not decide it
  if (held_.size() < model.contexts.size()) held_.resize(model.contexts.size());
  std::vector<std::uint32_t>& held = held_[e.context_ix];
  switch (e.type) {
    case EventType::kLockAcquired:
      held.push_back(e.lock_ix);
      break;
    case EventType::kLockRelease:
      if (auto it = std::find(held.begin(), held.end(), e.lock_ix); it != held.end())
        held.erase(it);
      break;
    case EventType::kFaultActivation:
      if (!activated_) {
        activated_ = true;
        f_.activator = e.context_ix;
      }
      break;
    case EventType::kObjectWrite:
      if (activated_ && e.context_ix == f_.activator && !e.access.harmless_write() &&
          model.objects[e.object_ix].owner != model.contexts[e.context_ix].id &&
          std::find(f_.shared_writes.begin(), f_.shared_writes.end(), e.object_ix) ==
              f_.shared_writes.end())
        f_.shared_writes.push_back(e.object_ix);
      break;
    case EventType::kOops:
      crashed_ = true;
      crash_time_ = e.time;
      f_.crash_context = e.context_ix;
      for (std::uint32_t l : held) {
        if (model.locks[l].released_for_dead_holder()) continue;  // others let it go
        f_.held_at_crash.push_back(l);
      }
      f_.taker.assign(f_.held_at_crash.size(), models::Event::kNone);
      break;
    default:
      break;
  }
}

ScopeFinding ScopeTracker::finding(const TraceModel& model) const {
  ScopeFinding out = f_;
  if (!crashed_) return out;
  std::vector<std::string> reasons;
  for (std::uint32_t o : f_.shared_writes) {
    reasons.push_back(
        fmt::format("the faulting context wrote shared object {} after the fault's activation",
                    model.objects[o].name));
  }
  for (std::size_t i = 0; i < f_.held_at_crash.size(); ++i) {
    if (f_.taker[i] == models::Event::kNone) continue;
    reasons.push_back(fmt::format("it held {} at the crash and {} takes it later",
                                  model.locks[f_.held_at_crash[i]].label(),
                                  model.contexts[f_.taker[i]].label()));
  }
  out.scope = reasons.empty() ? models::Scope::kProcessLocal : models::Scope::kKernelGlobal;
  out.why = reasons.empty() ? "the faulting context held no lock that others take later and "
                              "wrote no shared state after the fault's activation"
                            : fmt::format("{}", fmt::join(reasons, "; "));
  return out;
}

}  // namespace oopsim::traces
