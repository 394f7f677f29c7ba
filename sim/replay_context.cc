// The context fibers: each replays its context's events on simulated time; locks block and wake
// them; the crash hands control to the policy.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "sim/replay.h"

namespace oopsim::sim {

using models::EventType;
using models::LockMode;
using models::Outcome;

void Replay::suspend(ContextSim& c) {
  c.suspended = true;
  c.fiber->suspend();
}

void Replay::wake(ContextSim& c) {
  if (!c.suspended) return;
  c.suspended = false;
  ready_now(c.fiber);
}

void Replay::ready_now(boost::fibers::context* fiber) {
  static_cast<SimFiberProps*>(fiber->get_properties())->wake = sched_->now();
  boost::fibers::context::active()->schedule(fiber);
}

void Replay::check_alive(ContextSim& c) {
  if (c.dead || stopping_ || panicked_) throw Killed{};
}

void Replay::context_main(ContextSim& c) {
  c.fiber = boost::fibers::context::active();
  try {
    while (!c.started) {
      check_alive(c);  // a fiber first run after the end must not wait for a fork
      suspend(c);
    }
    while (true) {
      check_alive(c);
      if (c.queue.empty()) {
        if (input_done_) break;
        c.input_wait = true;
        suspend(c);
        continue;
      }
      models::Event e = std::move(c.queue.front());
      c.queue.pop_front();
      models::Ticks t = c.has_prev ? c.prev_sim + (e.time - c.prev_trace) : e.time;
      t = std::max({t, sched_->now(), c.resume_at, pause_until_});
      c.has_prev = true;
      c.prev_trace = e.time;
      c.prev_sim = t;
      if (crashed_ && t > window_end_) break;  // beyond the judged window
      if (sched_->may_run_on(t)) {
        sched_->advance(t);
      } else {
        static_cast<SimFiberProps*>(c.fiber->get_properties())->wake = t;
        boost::this_fiber::yield();
        check_alive(c);
      }
      ++out_.events_replayed;
      last_time_ = std::max(last_time_, sched_->now());
      apply(c, e);
    }
    if (c.state == NodeState::kRunning) c.state = NodeState::kFinished;
  } catch (const Killed&) {
    // A dead context: its fiber ends here, and nothing will replay its events.
    if (c.dead) drop_queue(c);
  } catch (const std::exception& ex) {
    if (!error_)
      error_ =
          reader_.source_error_here(fmt::format("internal error in the engine: {}", ex.what()));
    error_->kind = traces::ErrorKind::kData;
  }
  c.queue.clear();
  c.fiber_done = true;
  c.fiber = nullptr;  // its worker goes back to the pool
}

void Replay::lose_wakeup(const ContextSim& sender, std::uint32_t target) {
  ContextSim& t = sim(target);
  if (std::find(t.lost_wakers.begin(), t.lost_wakers.end(), sender.index) == t.lost_wakers.end()) {
    t.lost_wakers.push_back(sender.index);
  }
}

void Replay::drop_queue(ContextSim& c) {
  // Nothing will replay these events; the wakeups among them are lost to their targets.
  for (const models::Event& q : c.queue) {
    if (q.type == EventType::kWakeup) lose_wakeup(c, q.target_ix);
  }
  out_.events_dropped += c.queue.size();
  c.queue.clear();
  c.drop_events = true;
}

void Replay::diverge(const ContextSim& c, const models::Event& e, std::string_view what) {
  ++out_.divergences;
  if (out_.divergences <= 20) {
    note(fmt::format("{}: golden {} does not fit the simulated state ({}); skipped", label(c.index),
                     models::name(e.type), what));
  }
}

void Replay::finding(std::uint32_t context, Outcome outcome, std::string why, bool required_only,
                     std::optional<models::Ticks> when) {
  const models::ContextInfo& info = model_.contexts[context];
  for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
    const models::WorkloadInfo& wl = model_.workloads[w];
    bool required = std::find(wl.required.begin(), wl.required.end(), info.id) != wl.required.end();
    bool member =
        std::find(info.workloads.begin(), info.workloads.end(), wl.name) != info.workloads.end();
    if (required_only ? required : (member || required)) {
      verdicts_[w].add(models::Finding{when ? *when : sched_->now(), outcome, why});
    }
  }
}

void Replay::grant(std::uint32_t lock, const std::vector<std::uint32_t>& granted) {
  for (std::uint32_t g : granted) {
    ContextSim& w = sim(g);
    w.held.push_back({lock, w.wait_mode, sched_->now()});
    if (timeline_) {
      timeline_->wait_end(g, sched_->now());
      timeline_->hold_begin(g, lock, model_.locks[lock].name, sched_->now());
    }
    w.state = NodeState::kRunning;
    w.confirm_lock = lock;
    wake(w);
  }
}

bool Replay::acquire(ContextSim& c, std::uint32_t lock, LockMode mode, bool trylock) {
  if (locks_.try_acquire(lock, c.index, mode, sched_->now())) {
    c.held.push_back({lock, mode, sched_->now()});
    if (timeline_) timeline_->hold_begin(c.index, lock, model_.locks[lock].name, sched_->now());
    c.confirm_lock = lock;
    return true;
  }
  if (trylock) return false;  // the caller goes on without it
  if (timeline_) {
    std::vector<std::uint32_t> holders;
    for (const Holder& h : locks_.holders(lock)) holders.push_back(h.context);
    timeline_->wait_begin(c.index, lock, model_.locks[lock].name, sched_->now(), holders);
  }
  wait_for(c, lock, mode);
  return true;
}

void Replay::wait_for(ContextSim& c, std::uint32_t lock, LockMode mode) {
  locks_.enqueue(lock, c.index, mode, sched_->now());
  c.state = NodeState::kWaitingLock;
  c.wait_lock = lock;
  c.wait_mode = mode;
  c.wait_since = sched_->now();
  while (c.state == NodeState::kWaitingLock) {
    suspend(c);
    if (c.dead || stopping_ || panicked_) locks_.cancel_wait(lock, c.index);
    check_alive(c);
  }
}

void Replay::skip_take(ContextSim& c, std::uint32_t lock, std::string_view why) {
  // The code goes on without the lock (a trylock's caller takes its other path); the golden run's
  // unlock of this take is skipped.
  if (std::find(c.skipped_takes.begin(), c.skipped_takes.end(), lock) == c.skipped_takes.end()) {
    c.skipped_takes.push_back(lock);
  }
  if (c.noted_locks.insert(lock).second) note(why);
}

void Replay::trylock_failed(ContextSim& c, std::uint32_t lock) {
  std::string who;
  for (const Holder& h : locks_.holders(lock)) who += (who.empty() ? "" : ", ") + label(h.context);
  skip_take(c, lock,
            fmt::format("{}'s trylock of {} fails (held by {}): it goes on without it",
                        label(c.index), model_.locks[lock].label(), who));
}

bool Replay::at_deleted_call(const models::Event& e) const {
  if (e.site_ix == models::Event::kNone || !model_.fault) return false;
  const traces::TraceModel::Site& site = model_.sites[e.site_ix];
  return site.function == model_.fault->symbol &&
         model_.fault->deletes_call_returning_to(site.offset);
}

const HeldLock* Replay::kept_hold(const ContextSim& c, std::uint32_t lock) const {
  for (const HeldLock& h : c.held) {
    if (h.lock != lock) continue;
    if (h.kept) return &h;
    // Taken before the crash in the function whose unlock call the fault deleted: that unlock
    // never came, and never will.
    if (deleted_release_seen_ && h.site_ix != models::Event::kNone && h.since <= crash_sim_time_ &&
        model_.fault && model_.sites[h.site_ix].function == model_.fault->symbol) {
      return &h;
    }
  }
  return nullptr;
}

void Replay::wait_on_own_lock(ContextSim& c, std::uint32_t lock, LockMode mode) {
  const models::LockInfo& info = model_.locks[lock];
  note(
      fmt::format("{} takes {} again, which it still holds (the fault deleted its unlock at {}): "
                  "it {} on itself for good",
                  label(c.index), info.label(), model_.fault->site(),
                  models::waiters_spin(info.kind) ? "spins" : "sleeps"));
  if (timeline_) timeline_->wait_begin(c.index, lock, info.name, sched_->now(), {c.index});
  wait_for(c, lock, mode);
}

void Replay::release(ContextSim& c, std::uint32_t lock) {
  auto it =
      std::find_if(c.held.begin(), c.held.end(), [&](const HeldLock& h) { return h.lock == lock; });
  if (it != c.held.end()) c.held.erase(it);
  if (timeline_) timeline_->hold_end(c.index, lock, sched_->now());
  std::vector<std::uint32_t> granted;
  locks_.release(lock, c.index, sched_->now(), granted);
  grant(lock, granted);
}

void Replay::apply(ContextSim& c, const models::Event& e) {
  if (e.lock_ix != models::Event::kNone && e.site_ix != models::Event::kNone &&
      model_.locks[e.lock_ix].runqueue_lock()) {
    runqueue_functions_.insert(model_.sites[e.site_ix].function);
  }
  switch (e.type) {
    case EventType::kLockAttempt:
    case EventType::kLockAcquired: {
      std::uint32_t l = e.lock_ix;
      if (runs_faulty_code(c, e, false)) return;
      if (e.type == EventType::kLockAcquired && c.confirm_lock == l) {
        c.confirm_lock = UINT32_MAX;  // confirms the attempt that got it
        return;
      }
      if (crashed_ && fault_in_text_ && at_deleted_call(e)) {
        skip_take(c, l,
                  fmt::format("{} runs {}, where the fault deleted the call that takes {}: it goes "
                              "on without it",
                              label(c.index), model_.fault->site(), model_.locks[l].label()));
        return;
      }
      if (locks_.holds(l, c.index)) {
        if (kept_hold(c, l) != nullptr) {
          wait_on_own_lock(c, l, e.mode);
          return;
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
      runs_faulty_code(c, e, true);
      return;
    }
    case EventType::kLockRelease: {
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
      if (at_deleted_call(e)) {
        deleted_release_seen_ = true;
        if (crashed_ && fault_in_text_) {
          for (HeldLock& h : c.held) {
            if (h.lock == l) h.kept = true;
          }
          if (c.noted_locks.insert(l).second) {
            note(
                fmt::format("{} runs {}, where the fault deleted the call that releases {}: it "
                            "keeps it for good",
                            label(c.index), model_.fault->site(), model_.locks[l].label()));
          }
          return;
        }
      }
      if (runs_faulty_code(c, e, false)) return;
      release(c, l);
      runs_faulty_code(c, e, true);
      return;
    }
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
      if (timeline_) timeline_->alive_end(c.index, sched_->now(), "exit");
      c.drop_events = true;
      if (!c.held.empty()) {
        note(fmt::format("{} exits holding {} lock(s)", label(c.index), c.held.size()));
      }
      throw Killed{};
    case EventType::kWakeup: {
      ContextSim& t = sim(e.target_ix);
      if (t.state == NodeState::kSleeping) {
        t.state = NodeState::kRunning;
        wake(t);
      } else {
        ++t.pending_wakeups;
      }
      return;
    }
    case EventType::kSleep:
      if (c.pending_wakeups > 0) {
        --c.pending_wakeups;
        return;
      }
      c.state = NodeState::kSleeping;
      c.wait_since = sched_->now();
      while (c.state == NodeState::kSleeping) {
        suspend(c);
        check_alive(c);
      }
      return;
    case EventType::kProgress: {
      verdicts_[e.workload_ix].set_progress(static_cast<std::uint64_t>(e.value), sched_->now());
      return;
    }
    case EventType::kFaultActivation:
      if (!activated_) {
        activated_ = true;
        activator_ = c.index;
        note(fmt::format("fault activated by {}", label(c.index)));
        if (timeline_)
          timeline_->instant(c.index, "fault activation", sched_->now(), label(c.index));
      }
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
    case EventType::kObjectWrite: {
      std::uint32_t o = e.object_ix;
      if (c.syscall_depth > 0) c.written_in_syscall.push_back(o);
      if (activated_ && !crashed_ && c.index == activator_) {
        const models::ObjectInfo& obj = model_.objects[o];
        state_.taint(o, fmt::format("{} wrote it after the fault's activation", label(c.index)));
        spread(c.index).writes(o, obj.name, obj.owner != c.id);
      }
      return;
    }
    case EventType::kObjectRead:
      read_bad_state(c, e);
      return;
    case EventType::kSiteRun:
      return;  // the fault's declaration lists who runs the site after the crash
    case EventType::kError:
      if (activated_) {
        std::string why =
            fmt::format("{} got an error{}", label(c.index), e.text.empty() ? "" : ": " + e.text);
        note(why);
        finding(c.index, Outcome::kDetectError, why, false);
      }
      return;
    default:
      return;
  }
}

models::PropagationGraph& Replay::spread(std::uint32_t root) {
  if (!spread_) spread_.emplace(root, label(root));
  return *spread_;
}

bool Replay::runs_faulty_code(ContextSim& c, const models::Event& e, bool op_done) {
  if (!crashed_ || !fault_in_text_ || e.site_ix == models::Event::kNone || !model_.fault ||
      model_.fault->after.empty() || !models::faults_where_it_runs(model_.fault->type)) {
    return false;
  }
  // Recorded site runs say whether this context reaches the mutated instruction at all.
  if (model_.fault->site_runs_recorded &&
      std::find(model_.fault->site_run_contexts.begin(), model_.fault->site_run_contexts.end(),
                c.id) == model_.fault->site_run_contexts.end()) {
    return false;
  }
  const traces::TraceModel::Site& site = model_.sites[e.site_ix];
  if (site.function != model_.fault->symbol) return false;
  // A mutated condition (a deleted branch or NULL check, an off-by-one bound, a changed loop
  // end) goes wrong only for the data at which it comes out differently. The crash shows that
  // the faulty context's data does; another run of the same program, doing the same work on its
  // own instance, meets such data too, but a different program passes the instruction with
  // other data.
  if (!models::faults_on_every_run(model_.fault->type) && faulty_ != UINT32_MAX &&
      model_.contexts[c.index].comm != model_.contexts[faulty_].comm) {
    return false;
  }
  // Straight-line order within the function: a mutated instruction at or after the call's
  // return address runs after the lock operation, one before it runs before.
  // A fault that strikes at the function's return comes after its operations: after its
  // unlock (the last thing a function that takes and drops a lock does).
  bool at_return = models::faults_at_return(model_.fault->type);
  if (at_return && e.type != EventType::kLockRelease) return false;
  bool fault_after = at_return || (site.offset != 0 && model_.fault->offset >= site.offset);
  if (fault_after != op_done) return false;
  std::string where =
      site.offset != 0 ? fmt::format("{}+{:#x}", site.function, site.offset) : site.function;
  std::string op =
      e.lock_ix == models::Event::kNone
          ? std::string("code")
          : fmt::format("{} {}", e.type == EventType::kLockRelease ? "releasing" : "taking",
                        model_.locks[e.lock_ix].label());
  std::string why = fmt::format(
      "{} runs {} ({}), in the function whose text the fault mutated at {}, after the crash: it "
      "oopses again",
      label(c.index), where, op, model_.fault->site());
  note(why);
  finding(c.index, Outcome::kOopsAgain, why, false);
  models::Event again = e;
  again.type = EventType::kOops;
  again.oops_kind = models::OopsKind::kUnspecified;
  again.text = model_.fault->symbol;
  oops(c, again, false);
  return true;
}

void Replay::read_bad_state(ContextSim& c, const models::Event& e) {
  std::uint32_t o = e.object_ix;
  if (!state_.bad(o) || c.index == activator_) return;
  if (!reported_reads_.insert({o, c.index}).second) return;
  const models::ObjectInfo& obj = model_.objects[o];
  models::ObjectClass cls = cls_[o];
  spread(faulty_ != UINT32_MAX ? faulty_ : c.index)
      .reads(o, obj.name, obj.owner == 0, c.index, label(c.index));
  std::string state = fmt::format("{} ({})", models::name(state_.mark(o)), state_.why(o));
  switch (cls) {
    case models::ObjectClass::kPointer: {
      std::string why = fmt::format("{} read {}, {} state left {}, and oopsed", label(c.index),
                                    obj.name, models::name(cls), state);
      note(why);
      finding(c.index, Outcome::kOopsAgain, why, false);
      models::Event again = e;
      again.type = EventType::kOops;
      again.oops_kind = models::OopsKind::kPagingFault;
      again.text = "read of " + obj.name;
      oops(c, again, false);
      return;
    }
    case models::ObjectClass::kChecked: {
      std::string why =
          fmt::format("{} read {}, a checked structure left {}: the check reports an error",
                      label(c.index), obj.name, state);
      note(why);
      finding(c.index, Outcome::kDetectError, why, false);
      return;
    }
    case models::ObjectClass::kPlain: {
      std::string why = fmt::format("{} read {}, plain data left {}, and went on with it",
                                    label(c.index), obj.name, state);
      note(why);
      finding(c.index, Outcome::kSurvivedInconsistent, why, false);
      return;
    }
  }
}

void Replay::oops(ContextSim& c, const models::Event& e, bool first) {
  if (timeline_) {
    if (first) timeline_->crash(sched_->now());
    timeline_->instant(c.index, first ? "oops (the crash)" : "oops", sched_->now(),
                       fmt::format("{} in {}", models::name(e.oops_kind), e.text));
  }
  c.oopsed_in = e.text;
  policies::OopsView view;
  view.context = c.id;
  view.time = sched_->now();
  view.kind = e.oops_kind;
  view.function = e.text;
  view.first = first;
  if (first) {
    crashed_ = true;
    faulty_ = c.index;
    crash_sim_time_ = sched_->now();
    held_at_crash_ = c.held;
    // A critical section cut short: what those locks guard may be half-updated.
    for (const HeldLock& h : c.held) {
      for (std::uint32_t o : guarded_[h.lock]) {
        state_.mark_possibly_inconsistent(
            o, fmt::format("guarded by {}, which {} held when it crashed",
                           model_.locks[h.lock].label(), label(c.index)));
      }
    }
    if (model_.header.window != 0) window_end_ = crash_sim_time_ + model_.header.window;
    const models::ContextInfo& info = model_.contexts[c.index];
    out_.crash_time = crash_sim_time_;
    out_.crash_context = info.label();
    out_.crash_context_kind = std::string(models::name(info.kind));
    out_.crash_kind = e.oops_kind;
    out_.crash_function = e.text;
    std::string held;
    for (const HeldLock& h : c.held)
      held += (held.empty() ? "" : ", ") + model_.locks[h.lock].label();
    note(fmt::format("crash: {} in {} ({} context {}){}", models::name(e.oops_kind),
                     e.text.empty() ? "?" : e.text, models::name(info.kind), info.label(),
                     held.empty() ? ", holding no lock" : ", holding " + held));
  }
  policy_.on_oops(view, *this);
  check_alive(c);
}

// --- EngineActions -----------------------------------------------------------------------------

const models::ContextInfo& Replay::context(models::ContextId id) const {
  return model_.contexts[model_.context_index.at(id)];
}

const models::LockInfo& Replay::lock(models::LockId id) const {
  return model_.locks[model_.lock_index.at(id)];
}

std::vector<models::LockId> Replay::locks_held_by(models::ContextId id) const {
  std::vector<models::LockId> out;
  const ContextSim* c = peek(model_.context_index.at(id));
  if (c == nullptr) return out;  // never ran: holds nothing
  for (const HeldLock& h : c->held) out.push_back(model_.locks[h.lock].id);
  return out;
}

bool Replay::is_alive(models::ContextId id) const {
  NodeState s = node_state(model_.context_index.at(id));
  return s != NodeState::kDead && s != NodeState::kExited;
}

void Replay::kill(models::ContextId id, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(id));
  if (c.dead) return;
  c.dead = true;
  c.died_at = sched_->now();
  c.death = std::string(why);
  c.state = NodeState::kDead;
  note(fmt::format("{} killed: {}", label(c.index), why));
  if (timeline_) {
    timeline_->wait_end(c.index, sched_->now());
    timeline_->instant(c.index, "killed", sched_->now(), std::string(why));
    timeline_->alive_end(c.index, sched_->now(), "killed");
  }
  // Its private objects go with it.
  for (std::uint32_t o = 0; o < model_.objects.size(); ++o) {
    if (model_.objects[o].owner == c.id) state_.discard(o);
  }
  c.input_wait = false;
  // Sleeping locks that others release for their holder (a semaphore another task ups) do not
  // stay with a dead context.
  for (const HeldLock& h : std::vector<HeldLock>(c.held)) {
    if (!model_.locks[h.lock].released_for_dead_holder()) continue;
    note(fmt::format("{} released from {}: others release it for its holder",
                     model_.locks[h.lock].label(), label(c.index)));
    release(c, h.lock);
  }
  wake(c);  // a blocked fiber unwinds (and drops its events)
  reap(c);
}

void Replay::restart(models::ContextId id, models::Ticks delay, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(id));
  if (!c.dead) return;
  c.dead = false;
  c.death.clear();
  c.state = NodeState::kRunning;
  c.resume_at = sched_->now() + delay;
  c.syscall_depth = 0;
  note(fmt::format("{} restarts at {}: {}", label(c.index), secs(c.resume_at), why));
  if (timeline_) timeline_->instant(c.index, "policy: restart", sched_->now(), std::string(why));
  if (c.fiber_done) {  // its fiber already ended: a new one takes the golden events from here
    c.drop_events = false;
    start_fiber(c);
  }
}

const models::FaultInfo* Replay::fault() const {
  return model_.fault ? &*model_.fault : nullptr;
}

std::vector<models::ContextId> Replay::contexts() const {
  std::vector<models::ContextId> out;
  for (const models::ContextInfo& c : model_.contexts) out.push_back(c.id);
  return out;
}

std::vector<models::LockId> Replay::locks() const {
  std::vector<models::LockId> out;
  for (const models::LockInfo& l : model_.locks) out.push_back(l.id);
  return out;
}

std::vector<models::ContextId> Replay::reached_contexts() const {
  std::vector<models::ContextId> out;
  if (faulty_ != UINT32_MAX) out.push_back(model_.contexts[faulty_].id);
  if (spread_) {
    for (std::uint32_t r : spread_->readers()) {
      models::ContextId id = model_.contexts[r].id;
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
  }
  return out;
}

std::vector<models::ObjectId> Replay::bad_objects() const {
  std::vector<models::ObjectId> out;
  for (std::uint32_t o = 0; o < state_.size(); ++o) {
    if (state_.bad(o)) out.push_back(model_.objects[o].id);
  }
  return out;
}

models::StateMark Replay::state_of(models::ObjectId id) const {
  return state_.mark(model_.object_index.at(id));
}

const models::ObjectInfo& Replay::object(models::ObjectId id) const {
  return model_.objects[model_.object_index.at(id)];
}

bool Replay::in_syscall(models::ContextId id) const {
  const ContextSim* c = peek(model_.context_index.at(id));
  return c != nullptr && c->syscall_depth > 0;
}

void Replay::fail_request(models::ContextId id, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(id));
  const models::ContextInfo& info = model_.contexts[c.index];
  for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
    const models::WorkloadInfo& wl = model_.workloads[w];
    bool needed =
        std::find(info.workloads.begin(), info.workloads.end(), wl.name) != info.workloads.end() ||
        std::find(wl.required.begin(), wl.required.end(), info.id) != wl.required.end();
    if (!needed) continue;
    if (wl.retries) {
      note(fmt::format("{} gets an error return ({}); {} retries", label(c.index), why, wl.name));
      continue;
    }
    note(fmt::format("{} gets an error return: {}", label(c.index), why));
    if (timeline_) timeline_->instant(c.index, "error return", sched_->now(), std::string(why));
    verdicts_[w].add(
        models::Finding{sched_->now(), Outcome::kDetectError,
                        fmt::format("{} got an error return: {}", label(c.index), why)});
  }
}

bool Replay::rollback_request(models::ContextId id, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(id));
  if (c.syscall_depth == 0) return false;
  std::vector<std::uint32_t> taken;
  for (const HeldLock& h : c.held) {
    if (h.since >= c.syscall_since) taken.push_back(h.lock);
  }
  for (std::uint32_t l : taken) {
    note(fmt::format("{} released from {}: rolled back", model_.locks[l].label(), label(c.index)));
    release(c, l);
    // Undone, the request leaves what the lock guards as it was before it: consistent.
    for (std::uint32_t o : guarded_[l]) state_.discard(o);
  }
  for (std::uint32_t o : c.written_in_syscall) state_.discard(o);
  note(fmt::format("{}'s system call rolled back ({} lock(s) given back, {} write(s) undone): {}",
                   label(c.index), taken.size(), c.written_in_syscall.size(), why));
  if (timeline_) timeline_->instant(c.index, "policy: roll back", sched_->now(), std::string(why));
  c.written_in_syscall.clear();
  c.syscall_depth = 0;
  fail_request(id, why);
  return true;
}

void Replay::reset_subsystem(std::string_view subsystem, std::string_view why) {
  note(fmt::format("subsystem {} reset: {}", subsystem, why));
  if (timeline_) {
    timeline_->instant(TimelineRecorder::kNoContext, fmt::format("policy: reset {}", subsystem),
                       sched_->now(), std::string(why));
  }
  for (std::uint32_t l = 0; l < model_.locks.size(); ++l) {
    if (model_.locks[l].subsystem != subsystem) continue;
    // Waiters inside the subsystem are turned away with an error.
    std::vector<std::uint32_t> waiting;
    for (const Waiter& w : locks_.waiters(l)) waiting.push_back(w.context);
    for (std::uint32_t w : waiting) {
      ContextSim& x = sim(w);
      locks_.cancel_wait(l, w);
      if (timeline_) timeline_->wait_end(w, sched_->now());
      x.state = NodeState::kRunning;
      wake(x);
      fail_request(x.id, fmt::format("{} was reset while it waited for {}", subsystem,
                                     model_.locks[l].label()));
    }
    std::vector<std::uint32_t> holders;
    for (const Holder& h : locks_.holders(l)) holders.push_back(h.context);
    for (std::uint32_t h : holders) {
      ContextSim& x = sim(h);
      release(x, l);
      if (!x.dead) {
        fail_request(
            x.id, fmt::format("{} was reset while it held {}", subsystem, model_.locks[l].label()));
      }
    }
  }
  for (std::uint32_t o = 0; o < model_.objects.size(); ++o) {
    const models::ObjectInfo& obj = model_.objects[o];
    bool mine = obj.subsystem == subsystem ||
                (obj.guarded_by != 0 && model_.lock(obj.guarded_by)->subsystem == subsystem);
    if (mine) state_.discard(o);
  }
}

void Replay::reload_kernel_text(std::string_view why) {
  if (fault_in_text_ && model_.fault && !model_.fault->after.empty()) {
    note(fmt::format("the mutated kernel text is gone: {}", why));
  }
  fault_in_text_ = false;
}

void Replay::discard_all_state(std::string_view why) {
  for (std::uint32_t o = 0; o < model_.objects.size(); ++o) state_.discard(o);
  note(fmt::format("all kernel state discarded: {}", why));
}

void Replay::pause_all(models::Ticks duration, std::string_view why) {
  pause_until_ = std::max(pause_until_, sched_->now() + duration);
  note(fmt::format("everything pauses until {}: {}", secs(pause_until_), why));
  if (timeline_) {
    timeline_->instant(TimelineRecorder::kNoContext, "policy: pause", sched_->now(),
                       std::string(why));
  }
}

void Replay::release_lock(models::ContextId holder, models::LockId lock, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(holder));
  std::uint32_t l = model_.lock_index.at(lock);
  if (!locks_.holds(l, c.index)) return;
  note(fmt::format("{} released from {}: {}", model_.locks[l].label(), label(c.index), why));
  if (timeline_) {
    timeline_->instant(c.index, "policy: release " + model_.locks[l].name, sched_->now(),
                       std::string(why));
  }
  release(c, l);
}

void Replay::panic(std::string_view why) {
  if (panicked_) return;
  panicked_ = true;
  note(fmt::format("kernel panic: {}", why));
  if (timeline_) {
    timeline_->instant(TimelineRecorder::kNoContext, "kernel panic", sched_->now(),
                       std::string(why));
  }
  for (models::WorkloadVerdict& v : verdicts_) {
    v.add(models::Finding{sched_->now(), Outcome::kPanic, fmt::format("kernel panic: {}", why)});
  }
  for (auto& c : ctx_) {
    if (!c) continue;
    c->input_wait = false;
    wake(*c);
  }
}

void Replay::note(std::string_view text) {
  out_.explanation.push_back(
      fmt::format("{} {}", secs(input_done_ ? last_time_ : sched_->now()), text));
}

}  // namespace oopsim::sim
