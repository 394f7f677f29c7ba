// Event dispatch: a context replays one event; locks block and wake it; the crash hands control
// to the policy. The kernel rules (sim/rules/) see the events and lock operations through hooks.
#include <fmt/format.h>

#include <algorithm>

#include "sim/replay.h"

namespace oopsim::sim {

using models::EventType;
using models::LockMode;

void Replay::apply(ContextSim& c, const models::Event& e) {
  for (Rule* r : rules_by_event_[static_cast<std::size_t>(e.type)]) r->on_event(c, e);
  switch (e.type) {
    case EventType::kLockAttempt:
    case EventType::kLockAcquired:
      apply_take(c, e);
      return;
    case EventType::kLockRelease:
      apply_release(c, e);
      return;
    case EventType::kFork: {
      ContextSim& child = sim(e.target_ix);
      if (child.started) {
        diverge(c, e, fmt::format("{} already runs", label(child.index)));
        return;
      }
      child.started = true;
      child.state = NodeState::kRunning;
      wake(child);
      return;
    }
    case EventType::kExit:
      c.state = NodeState::kExited;
      observers_.alive_end(c.index, sched_->now(), "exit");
      c.drop_events = true;
      if (!c.held.empty()) {
        note(fmt::format("{} exits holding {} lock(s)", label(c.index), c.held.size()));
      }
      throw Killed{};
    case EventType::kWakeup:
      deliver_wakeup(sim(e.target_ix));
      return;
    case EventType::kSleep:
      apply_sleep(c, e);
      return;
    case EventType::kProgress:
      verdicts_[e.workload_ix].set_progress(static_cast<std::uint64_t>(e.value), sched_->now());
      return;
    case EventType::kFaultActivation:
      fault_activation(c);
      return;
    case EventType::kOops:
      oops(c, e, true);
      return;
    case EventType::kSyscallEnter:
      if (c.syscall_depth++ == 0) {
        c.syscall_since = sched_->now();
        c.written_in_syscall.clear();
      }
      return;
    case EventType::kSyscallExit:
      if (c.syscall_depth > 0) --c.syscall_depth;
      return;
    case EventType::kObjectWrite:
      if (c.syscall_depth > 0) c.written_in_syscall.push_back(e.object_ix);
      return;
    default:
      return;  // reads, errors and site runs: only the rules act on them
  }
}

void Replay::apply_take(ContextSim& c, const models::Event& e) {
  std::uint32_t l = e.lock_ix;
  if (!model_.locks[l].subsystem.empty()) c.used_subsystems.insert(model_.locks[l].subsystem);
  for (const std::unique_ptr<Rule>& r : rules_) {
    if (r->before_lock_op(c, e)) return;
  }
  if (e.type == EventType::kLockAcquired && c.confirm_lock == l) {
    c.confirm_lock = UINT32_MAX;  // confirms the attempt that got it
    return;
  }
  for (const std::unique_ptr<Rule>& r : rules_) {
    if (r->instead_of_take(c, e)) return;
  }
  if (locks_.holds(l, c.index)) {
    for (const std::unique_ptr<Rule>& r : rules_) {
      if (r->retake(c, e)) return;
    }
    diverge(c, e, fmt::format("it already holds {}", model_.locks[l].label()));
    return;
  }
  if (!acquire(c, l, e.mode, e.trylock)) {
    trylock_failed(c, l);
    return;
  }
  for (HeldLock& h : c.held) {
    if (h.lock == l) h.site_ix = e.site_ix;
  }
  if (e.type == EventType::kLockAcquired) c.confirm_lock = UINT32_MAX;
  for (const std::unique_ptr<Rule>& r : rules_) r->after_lock_op(c, e);
}

void Replay::apply_release(ContextSim& c, const models::Event& e) {
  std::uint32_t l = e.lock_ix;
  if (!locks_.holds(l, c.index)) {
    auto skipped = std::find(c.skipped_takes.begin(), c.skipped_takes.end(), l);
    if (skipped != c.skipped_takes.end()) {  // the golden run's unlock of a take that failed
      c.skipped_takes.erase(skipped);
      return;
    }
    diverge(c, e, fmt::format("it does not hold {}", model_.locks[l].label()));
    return;
  }
  for (const std::unique_ptr<Rule>& r : rules_) {
    if (r->instead_of_release(c, e)) return;
  }
  for (const std::unique_ptr<Rule>& r : rules_) {
    if (r->before_lock_op(c, e)) return;
  }
  release(c, l);
  for (const std::unique_ptr<Rule>& r : rules_) r->after_lock_op(c, e);
}

void Replay::deliver_wakeup(ContextSim& t) {
  if (t.state == NodeState::kSleeping) {
    t.state = NodeState::kRunning;
    wake(t);
  } else {
    ++t.pending_wakeups;  // its next sleep returns at once
  }
}

void Replay::apply_sleep(ContextSim& c, const models::Event& e) {
  if (c.pending_wakeups > 0) {
    --c.pending_wakeups;
    return;
  }
  c.state = NodeState::kSleeping;
  c.sleep_on = e.lock_ix == models::Event::kNone ? UINT32_MAX : e.lock_ix;
  c.sleep_reported = e.mode != models::LockMode::kShared;
  c.wait_since = sched_->now();
  while (c.state == NodeState::kSleeping) {
    suspend(c);
    check_alive(c);
  }
}

void Replay::fault_activation(ContextSim& c) {
  if (crash_.activated) return;
  crash_.activated = true;
  crash_.activator = c.index;
  note(fmt::format("fault activated by {}", label(c.index)));
  observers_.instant(c.index, "fault activation", sched_->now(), label(c.index));
}

void Replay::grant(std::uint32_t lock, const std::vector<std::uint32_t>& granted) {
  for (std::uint32_t g : granted) {
    ContextSim& w = sim(g);
    w.held.push_back({lock, w.wait_mode, sched_->now()});
    observers_.wait_end(g, sched_->now());
    observers_.hold_begin(g, lock, model_.locks[lock].name, sched_->now());
    w.state = NodeState::kRunning;
    w.confirm_lock = lock;
    wake(w);
  }
}

bool Replay::acquire(ContextSim& c, std::uint32_t lock, LockMode mode, bool trylock) {
  if (locks_.try_acquire(lock, c.index, mode, sched_->now())) {
    c.held.push_back({lock, mode, sched_->now()});
    observers_.hold_begin(c.index, lock, model_.locks[lock].name, sched_->now());
    c.confirm_lock = lock;
    return true;
  }
  if (trylock) return false;  // the caller goes on without it
  std::vector<std::uint32_t> holders;
  for (const Holder& h : locks_.holders(lock)) holders.push_back(h.context);
  wait_for(c, lock, mode, holders);
  return true;
}

void Replay::wait_for(ContextSim& c, std::uint32_t lock, LockMode mode,
                      const std::vector<std::uint32_t>& holders) {
  observers_.wait_begin(c.index, lock, model_.locks[lock].name, sched_->now(), holders);
  locks_.enqueue(lock, c.index, mode, sched_->now());
  c.state = NodeState::kWaitingLock;
  c.wait_lock = lock;
  c.wait_mode = mode;
  c.wait_since = sched_->now();
  while (c.state == NodeState::kWaitingLock) {
    suspend(c);
    if (c.dead || stopping_ || crash_.panicked) locks_.cancel_wait(lock, c.index);
    check_alive(c);
  }
}

void Replay::skip_take(ContextSim& c, std::uint32_t lock, std::string_view why) {
  if (std::find(c.skipped_takes.begin(), c.skipped_takes.end(), lock) == c.skipped_takes.end()) {
    c.skipped_takes.push_back(lock);
  }
  if (c.noted_locks.insert(lock).second) note(why);
}

void Replay::trylock_failed(ContextSim& c, std::uint32_t lock) {
  // A trylock's caller takes its other path.
  std::string who;
  for (const Holder& h : locks_.holders(lock)) who += (who.empty() ? "" : ", ") + label(h.context);
  skip_take(c, lock,
            fmt::format("{}'s trylock of {} fails (held by {}): it goes on without it",
                        label(c.index), model_.locks[lock].label(), who));
}

void Replay::release(ContextSim& c, std::uint32_t lock) {
  auto it =
      std::find_if(c.held.begin(), c.held.end(), [&](const HeldLock& h) { return h.lock == lock; });
  if (it != c.held.end()) c.held.erase(it);
  observers_.hold_end(c.index, lock, sched_->now());
  std::vector<std::uint32_t> granted;
  locks_.release(lock, c.index, sched_->now(), granted);
  grant(lock, granted);
}

const HeldLock* Replay::kept_hold(const ContextSim& c, std::uint32_t lock) const {
  for (const HeldLock& h : c.held) {
    if (h.lock != lock) continue;
    for (const std::unique_ptr<Rule>& r : rules_) {
      if (r->keeps_for_good(c, h)) return &h;
    }
  }
  return nullptr;
}

const models::FaultInfo* Replay::live_fault() const {
  return crash_.crashed && crash_.fault_in_text && model_.fault ? &*model_.fault : nullptr;
}

void Replay::diverge(const ContextSim& c, const models::Event& e, std::string_view what) {
  ++out_.divergences;
  if (out_.divergences <= 20) {
    note(fmt::format("{}: golden {} does not fit the simulated state ({}); skipped", label(c.index),
                     models::name(e.type), what));
  }
}

}  // namespace oopsim::sim
