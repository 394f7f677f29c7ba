#include "traces/import/wait_pairs.h"

namespace oopsim::traces {

void WaitPairs::begin(std::uint32_t ctx, const WaitKey& key, std::uint64_t caller, bool reported) {
  Wait& w = waits_[ctx];
  w = Wait{};
  w.key = key;
  w.caller = caller;
  w.reported = reported;
}

void WaitPairs::end(std::uint32_t ctx, std::uint64_t t) {
  auto it = waits_.find(ctx);
  if (it == waits_.end()) return;
  Wait w = it->second;
  waits_.erase(it);
  if (w.slept) return;  // each of its sleeps was paired with its wakeup
  std::uint32_t by = w.early_by;
  std::uint64_t at = w.early_at;
  if (by == 0) {
    auto last = last_wake_.find(w.key);
    if (last == last_wake_.end() || last->second.ctx == ctx) return;
    by = last->second.ctx;
    at = last->second.t;
  }
  if (at < from_) return;  // that wake is not replayed: the waiter must not wait for it
  emit_wakeup(by, ctx, w, at, true);
  emit_sleep(ctx, w, t, false);
}

void WaitPairs::wake(std::uint32_t ctx, const WaitKey& key, std::uint64_t t) {
  last_wake_[key] = Wake{ctx, t};
}

void WaitPairs::sleeps(std::uint32_t ctx, std::uint64_t t) {
  auto it = waits_.find(ctx);
  if (it == waits_.end() || it->second.asleep) return;
  Wait& w = it->second;
  w.asleep = true;
  w.asleep_at = t;
  w.slept = true;
}

void WaitPairs::woken(std::uint32_t waker, std::uint32_t target, std::uint64_t t) {
  auto it = waits_.find(target);
  if (it == waits_.end() || waker == target) return;
  Wait& w = it->second;
  if (w.asleep) {
    w.asleep = false;
    emit_sleep(target, w, w.asleep_at, true);
    emit_wakeup(waker, target, w, t, false);
  } else if (!w.slept) {
    w.early_by = waker;  // woken while it was still on its way to sleep
    w.early_at = t;
  }
}

void WaitPairs::finish() {
  for (const auto& [ctx, w] : waits_) {
    if (w.asleep) emit_sleep(ctx, w, w.asleep_at, true);
  }
  waits_.clear();
}

void WaitPairs::emit_sleep(std::uint32_t ctx, const Wait& w, std::uint64_t t, bool early) {
  trace::Event e = new_event(trace::Event::SLEEP, ctx, t);
  e.set_lock(declare_(w.key, w.caller));
  if (!w.reported) e.set_mode(trace::Event::SHARED);
  if (early) {
    early_.push_back(std::move(e));
  } else {
    out_.push(std::move(e));
  }
}

void WaitPairs::emit_wakeup(std::uint32_t waker, std::uint32_t target, const Wait& w,
                            std::uint64_t t, bool early) {
  trace::Event e = new_event(trace::Event::WAKEUP, waker, t);
  e.set_target(target);
  e.set_lock(declare_(w.key, w.caller));
  ++paired_;
  if (early) {
    early_.push_back(std::move(e));
  } else {
    out_.push(std::move(e));
  }
}

}  // namespace oopsim::traces
