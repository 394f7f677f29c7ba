// The policy's side of the engine (policies::EngineActions): what a policy may look at, and the
// actions it takes on the simulated kernel.
#include <fmt/format.h>

#include <algorithm>

#include "models/sim_time.h"
#include "sim/replay.h"

namespace oopsim::sim {

using models::Outcome;

std::string Replay::label(std::uint32_t context) const {
  return model_.contexts[context].label();
}

std::string Replay::secs(models::Ticks t) const {
  return models::format_seconds(t, model_.header.ticks_per_second);
}

models::PropagationGraph& Replay::spread(std::uint32_t root) {
  if (!spread_) spread_.emplace(root, label(root));
  return *spread_;
}

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
  observers_.wait_end(c.index, sched_->now());
  observers_.instant(c.index, "killed", sched_->now(), std::string(why));
  observers_.alive_end(c.index, sched_->now(), "killed");
  // Its private objects go with it.
  for (std::uint32_t o = 0; o < model_.objects.size(); ++o) {
    if (model_.objects[o].owner == c.id) state_.discard(o);
  }
  c.input_wait = false;
  for (const std::unique_ptr<Rule>& r : rules_) r->on_kill(c);
  wake(c);  // a blocked fiber unwinds (and drops its events)
  for (const std::unique_ptr<Rule>& r : rules_) r->after_kill(c);
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
  observers_.instant(c.index, "policy: restart", sched_->now(), std::string(why));
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
  if (crash_.faulty != UINT32_MAX) out.push_back(model_.contexts[crash_.faulty].id);
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

bool Replay::waits_uninterruptibly(models::ContextId id) const {
  const ContextSim* c = peek(model_.context_index.at(id));
  if (c == nullptr || c->dead) return false;
  return c->state == NodeState::kWaitingLock ||
         (c->state == NodeState::kSleeping && c->sleep_reported);
}

void Replay::fail_request(models::ContextId id, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(id));
  const models::ContextInfo& info = model_.contexts[c.index];
  for (std::size_t w = 0; w < model_.workloads.size(); ++w) {
    const models::WorkloadInfo& wl = model_.workloads[w];
    if (!models::needs_context(wl, info)) continue;
    if (wl.retries) {
      note(fmt::format("{} gets an error return ({}); {} retries", label(c.index), why, wl.name));
      continue;
    }
    note(fmt::format("{} gets an error return: {}", label(c.index), why));
    observers_.instant(c.index, "error return", sched_->now(), std::string(why));
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
  observers_.instant(c.index, "policy: roll back", sched_->now(), std::string(why));
  c.written_in_syscall.clear();
  c.syscall_depth = 0;
  fail_request(id, why);
  return true;
}

void Replay::reset_subsystem(std::string_view subsystem, std::string_view why) {
  note(fmt::format("subsystem {} reset: {}", subsystem, why));
  observers_.instant(ReplayObserver::kNoContext, fmt::format("policy: reset {}", subsystem),
                     sched_->now(), std::string(why));
  for (std::uint32_t l = 0; l < model_.locks.size(); ++l) {
    if (model_.locks[l].subsystem != subsystem) continue;
    // Waiters inside the subsystem are turned away with an error.
    std::vector<std::uint32_t> waiting;
    for (const Waiter& w : locks_.waiters(l)) waiting.push_back(w.context);
    for (std::uint32_t w : waiting) {
      ContextSim& x = sim(w);
      locks_.cancel_wait(l, w);
      observers_.wait_end(w, sched_->now());
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
  if (crash_.fault_in_text && model_.fault && !model_.fault->after.empty()) {
    note(fmt::format("the mutated kernel text is gone: {}", why));
  }
  crash_.fault_in_text = false;
}

void Replay::discard_all_state(std::string_view why) {
  for (std::uint32_t o = 0; o < model_.objects.size(); ++o) state_.discard(o);
  note(fmt::format("all kernel state discarded: {}", why));
}

void Replay::replace_kernel(std::string_view why) {
  kernel_replaced_at_ = sched_->now();
  // No line in the explanation: the wakeups the new kernel serves say so (serve_wakeup).
  observers_.instant(ReplayObserver::kNoContext, "policy: new kernel", sched_->now(),
                     std::string(why));
  for (const std::unique_ptr<Rule>& r : rules_) r->on_kernel_replaced();
}

void Replay::serve_wakeup(std::uint32_t target, std::string_view why) {
  ContextSim& t = sim(target);
  if (t.dead) return;
  if (t.state == NodeState::kSleeping) note(fmt::format("{} is woken: {}", label(target), why));
  deliver_wakeup(t);
}

void Replay::pause_all(models::Ticks duration, std::string_view why) {
  pause_until_ = std::max(pause_until_, sched_->now() + duration);
  note(fmt::format("everything pauses until {}: {}", secs(pause_until_), why));
  observers_.instant(ReplayObserver::kNoContext, "policy: pause", sched_->now(), std::string(why));
}

void Replay::after(models::Ticks delay, std::string_view why,
                   std::function<void(EngineActions&)> step) {
  models::Ticks at = sched_->now() + delay;
  observers_.instant(ReplayObserver::kNoContext, "policy: step planned", sched_->now(),
                     fmt::format("{} at {}", why, secs(at)));
  policy_steps_.emplace_back(std::allocator_arg,
                             boost::fibers::fixedsize_stack(config_.fiber_stack_bytes),
                             [this, at, what = std::string(why), step = std::move(step)] {
                               boost::this_fiber::properties<SimFiberProps>().wake = at;
                               boost::this_fiber::yield();
                               if (stopping_ || crash_.panicked) return;
                               sched_->advance(at);
                               step_time_ = at;  // its notes carry its time, also after the input
                               note(what);
                               step(*this);
                               step_time_.reset();
                             });
}

bool Replay::used_subsystem(models::ContextId id, std::string_view subsystem) const {
  const ContextSim* c = peek(model_.context_index.at(id));
  return c != nullptr && c->used_subsystems.count(subsystem) != 0;
}

void Replay::take_down(std::string_view subsystem, models::Ticks until, std::string_view why) {
  down_[std::string(subsystem)] = DownWindow{sched_->now(), until, std::string(why)};
  note(fmt::format("{} is down until {}: {}", subsystem, secs(until), why));
}

const Replay::DownWindow* Replay::down_at(std::string_view subsystem, models::Ticks t) const {
  auto it = down_.find(subsystem);
  return it != down_.end() && it->second.from <= t && t < it->second.until ? &it->second : nullptr;
}

void Replay::release_lock(models::ContextId holder, models::LockId lock, std::string_view why) {
  ContextSim& c = sim(model_.context_index.at(holder));
  std::uint32_t l = model_.lock_index.at(lock);
  if (!locks_.holds(l, c.index)) return;
  note(fmt::format("{} released from {}: {}", model_.locks[l].label(), label(c.index), why));
  observers_.instant(c.index, "policy: release " + model_.locks[l].name, sched_->now(),
                     std::string(why));
  release(c, l);
}

void Replay::panic(std::string_view why) {
  if (crash_.panicked) return;
  crash_.panicked = true;
  crash_.panicked_at = sched_->now();
  note(fmt::format("kernel panic: {}", why));
  observers_.instant(ReplayObserver::kNoContext, "kernel panic", sched_->now(), std::string(why));
  for (models::WorkloadVerdict& v : verdicts_) {
    v.add(models::Finding{sched_->now(), Outcome::kPanic, fmt::format("kernel panic: {}", why)});
  }
  for (auto& c : ctx_) {
    if (!c) continue;
    c->input_wait = false;
    wake(*c);
  }
}

void Replay::withdraw_panic(models::Ticks since, std::string_view why) {
  if (!crash_.panicked || since >= crash_.panicked_at) return;
  note(fmt::format("no kernel panic: {} from {} on, before it", why, secs(since)));
  for (models::WorkloadVerdict& v : verdicts_) v.withdraw(Outcome::kPanic, since);
  crash_.panicked = false;
}

void Replay::note(std::string_view text) {
  out_.explanation.push_back(fmt::format("{} {}",
                                         secs(step_time_    ? *step_time_
                                              : input_done_ ? last_time_
                                                            : sched_->now()),
                                         text));
}

}  // namespace oopsim::sim
