#include "sim/lock_table.h"

#include <algorithm>

namespace oopsim::sim {

using models::LockMode;

bool LockTable::compatible(const State& s, LockMode mode) const {
  if (s.holders.empty()) return true;
  if (mode == LockMode::kExclusive) return false;
  return s.holders.front().mode == LockMode::kShared;
}

bool LockTable::try_acquire(std::uint32_t lock, std::uint32_t context, LockMode mode,
                            models::Ticks now) {
  State& s = locks_[lock];
  if (!s.waiters.empty() || !compatible(s, mode)) return false;
  s.holders.push_back({context, mode, now});
  return true;
}

void LockTable::enqueue(std::uint32_t lock, std::uint32_t context, LockMode mode,
                        models::Ticks now) {
  locks_[lock].waiters.push_back({context, mode, now});
}

bool LockTable::cancel_wait(std::uint32_t lock, std::uint32_t context) {
  auto& w = locks_[lock].waiters;
  auto it = std::find_if(w.begin(), w.end(), [&](const Waiter& x) { return x.context == context; });
  if (it == w.end()) return false;
  w.erase(it);
  return true;
}

bool LockTable::holds(std::uint32_t lock, std::uint32_t context) const {
  const auto& h = locks_[lock].holders;
  return std::any_of(h.begin(), h.end(), [&](const Holder& x) { return x.context == context; });
}

bool LockTable::release(std::uint32_t lock, std::uint32_t context, models::Ticks now,
                        std::vector<std::uint32_t>& granted) {
  State& s = locks_[lock];
  auto it = std::find_if(s.holders.begin(), s.holders.end(),
                         [&](const Holder& x) { return x.context == context; });
  if (it == s.holders.end()) return false;
  s.holders.erase(it);
  while (!s.waiters.empty() && compatible(s, s.waiters.front().mode)) {
    const Waiter w = s.waiters.front();
    s.waiters.pop_front();
    s.holders.push_back({w.context, w.mode, now});
    granted.push_back(w.context);
    if (w.mode == LockMode::kExclusive) break;
  }
  return true;
}

}  // namespace oopsim::sim
