#include "traces/import/lock_inference.h"

#include <algorithm>

#include "traces/format/packet_decoder.h"

namespace oopsim::traces {

using models::EventType;
using models::LockMode;

void EventOut::emit(EventType type, std::uint32_t ctx, std::uint64_t t, std::uint32_t lock,
                    LockMode mode, const OpSite& op) {
  trace::Event e = new_event(encode(type), ctx, t);
  if (lock != 0) e.set_lock(lock);
  bool take = type == EventType::kLockAttempt || type == EventType::kLockAcquired;
  if (op.site != 0 && (take || type == EventType::kLockRelease)) e.set_site(op.site);
  // Marks a take without a site with its lock function until the catalog places it.
  if (op.site == 0 && !op.callee.empty() && take) e.set_text(op.callee);
  if (mode == LockMode::kShared && take) e.set_mode(trace::Event::SHARED);
  if (op.trylock && type == EventType::kLockAcquired) e.set_trylock(true);
  push(std::move(e));
}

void LockInference::grant(std::uint32_t ctx, std::uint32_t lock, LockMode mode, std::uint64_t t,
                          bool force, const OpSite& op) {
  auto& hs = holders_[lock];
  if (force) {  // the trace shows it got the lock: whoever still held it let go unseen
    std::vector<std::uint32_t> conflicting;
    for (const Held& h : hs) {
      if (mode == LockMode::kExclusive || h.mode == LockMode::kExclusive)
        conflicting.push_back(h.ctx);
    }
    for (std::uint32_t c : conflicting) release(c, lock, t, true, op);
  }
  holders_[lock].push_back({ctx, mode});
  held_by_[ctx].push_back(lock);
  out_.emit(EventType::kLockAcquired, ctx, t, lock, mode, op);
}

void LockInference::acquire(std::uint32_t ctx, std::uint32_t lock, LockMode mode, std::uint64_t t,
                            bool known_success, const OpSite& op) {
  if (holds(ctx, lock)) release(ctx, lock, t, true, op);
  bool conflict = false;
  for (const Held& h : holders_[lock]) {
    conflict = conflict || mode == LockMode::kExclusive || h.mode == LockMode::kExclusive;
  }
  if (!conflict || known_success) {
    grant(ctx, lock, mode, t, conflict, op);
    return;
  }
  out_.emit(EventType::kLockAttempt, ctx, t, lock, mode, op);
  waiting_[ctx] = {lock, mode};
}

void LockInference::release(std::uint32_t ctx, std::uint32_t lock, std::uint64_t t, bool inferred,
                            const OpSite& op) {
  auto& hs = holders_[lock];
  auto it = std::find_if(hs.begin(), hs.end(), [&](const Held& h) { return h.ctx == ctx; });
  if (it == hs.end()) {
    if (hs.empty()) {
      ++out_.stats().dropped_releases;  // taken before the window
      return;
    }
    ++out_.stats().foreign_releases;  // e.g. a semaphore upped by another task: the holder lets go
    catalog_.hand_over(lock);
    it = hs.begin();
    ctx = it->ctx;
  }
  hs.erase(it);
  auto& mine = held_by_[ctx];
  mine.erase(std::find(mine.begin(), mine.end(), lock));
  if (inferred) ++out_.stats().inferred_releases;
  auto gone = exit_pos_.find(ctx);
  if (gone != exit_pos_.end()) {
    release_before_exit(ctx, lock, gone->second);
    return;
  }
  out_.emit(EventType::kLockRelease, ctx, t, lock, LockMode::kExclusive, op);
}

// The holder exited with it held (it oopsed): someone let go of it for the dead task (a recovery
// policy at the oops, a semaphore upped by another task). Nothing follows an exit, so the release
// goes just before it.
void LockInference::release_before_exit(std::uint32_t ctx, std::uint32_t lock, std::size_t at) {
  std::vector<trace::Event>& events = out_.events();
  trace::Event e = new_event(trace::Event::LOCK_RELEASE, ctx, events[at].time());
  e.set_lock(lock);
  events.insert(events.begin() + static_cast<std::ptrdiff_t>(at), std::move(e));
  ++out_.stats().events;
  for (auto& [c, pos] : exit_pos_) {
    if (pos >= at) ++pos;
  }
}

void LockInference::unexit(std::uint32_t ctx) {
  auto it = exit_pos_.find(ctx);
  if (it == exit_pos_.end()) return;
  std::size_t at = it->second;
  std::vector<trace::Event>& events = out_.events();
  events.erase(events.begin() + static_cast<std::ptrdiff_t>(at));
  --out_.stats().events;
  exit_pos_.erase(it);
  for (auto& [c, pos] : exit_pos_) {
    if (pos > at) --pos;
  }
}

void LockInference::release_all(std::uint32_t ctx, std::uint64_t t, bool spin_only) {
  std::vector<std::uint32_t> held = held_by_[ctx];
  for (std::uint32_t l : held) {
    if (spin_only && !models::waiters_spin(catalog_.kind(l))) continue;
    release(ctx, l, t, true);
  }
}

bool LockInference::holds(std::uint32_t ctx, std::uint32_t lock) const {
  auto it = held_by_.find(ctx);
  return it != held_by_.end() &&
         std::find(it->second.begin(), it->second.end(), lock) != it->second.end();
}

std::optional<std::pair<std::uint32_t, LockMode>> LockInference::stop_waiting(std::uint32_t ctx) {
  auto w = waiting_.find(ctx);
  if (w == waiting_.end()) return std::nullopt;
  auto got = w->second;
  waiting_.erase(w);
  return got;
}

}  // namespace oopsim::traces
