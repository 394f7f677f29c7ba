// The context fibers: a pool of worker fibers, each replaying one context's events on simulated
// time at a time; blocking, waking and unwinding a dead context.
#include <fmt/format.h>

#include <algorithm>

#include "sim/replay.h"

namespace oopsim::sim {

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
  if (c.dead || stopping_ || crash_.panicked) throw Killed{};
}

void Replay::start_fiber(ContextSim& c) {
  c.fiber_started = true;
  c.fiber_done = false;
  if (!idle_workers_.empty()) {  // as a new fiber would: ready now, after those already ready
    Worker* w = idle_workers_.back();
    idle_workers_.pop_back();
    w->next = &c;
    ready_now(w->ctx);
    return;
  }
  workers_.push_back(std::make_unique<Worker>());
  Worker* w = workers_.back().get();
  w->next = &c;
  w->fiber = boost::fibers::fiber(std::allocator_arg,
                                  boost::fibers::fixedsize_stack(config_.fiber_stack_bytes),
                                  [this, w] { worker_main(*w); });
}

void Replay::worker_main(Worker& w) {
  w.ctx = boost::fibers::context::active();
  while (w.next != nullptr) {
    ContextSim& c = *std::exchange(w.next, nullptr);
    context_main(c);
    if (stopping_) break;  // the end: no context will need it
    idle_workers_.push_back(&w);
    w.ctx->suspend();  // until start_fiber gives it another context, or the end
  }
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
      if (crash_.crashed && t > crash_.window_end) break;  // beyond the judged window
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

void Replay::drop_queue(ContextSim& c) {
  // Nothing will replay these events (the rules hear of each: a wakeup among them is lost).
  for (std::size_t i = 0; i < c.queue.size(); ++i) {
    for (const std::unique_ptr<Rule>& r : rules_) r->on_dropped(c, c.queue[i]);
  }
  out_.events_dropped += c.queue.size();
  c.queue.clear();
  c.drop_events = true;
}

}  // namespace oopsim::sim
