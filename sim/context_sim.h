// The engine's state of one simulated kernel context, run by its own fiber.
#pragma once

#include <boost/fiber/context.hpp>

#include <set>
#include <string>
#include <vector>

#include "models/event.h"
#include "models/kernel_model.h"
#include "sim/event_queue.h"
#include "sim/wait_for_graph.h"

namespace oopsim::sim {

struct HeldLock {
  std::uint32_t lock = 0;  // lock index
  models::LockMode mode = models::LockMode::kExclusive;
  models::Ticks since = 0;
  std::uint32_t site_ix = models::Event::kNone;  // where it was taken (kNone: not known)
  bool kept = false;  // never let go (set by the deleted-call rule: its release call is gone)
};

struct ContextSim {
  std::uint32_t index = 0;
  models::ContextId id = 0;
  NodeState state = NodeState::kNotStarted;
  bool started = false;  // exists (from the start, or forked)
  bool dead = false;     // killed by an oops
  models::Ticks died_at = 0;
  std::string death;         // why it died
  std::string oopsed_in;     // the function its (last) oops named
  bool drop_events = false;  // dead or stuck forever: later events are counted, not queued

  EventQueue queue;       // events delivered, not yet replayed
  bool has_prev = false;  // for keeping the gaps between its events
  models::Ticks prev_trace = 0;
  models::Ticks prev_sim = 0;

  std::vector<HeldLock> held;
  // Takes that did not happen (a trylock that failed, a take whose call the fault deleted): the
  // golden run's unlock of each is skipped.
  std::vector<std::uint32_t> skipped_takes;
  std::set<std::uint32_t> noted_locks;  // locks whose skipped take or kept hold the report notes
  std::uint32_t wait_lock = 0;          // lock index it waits for (state kWaitingLock)
  models::LockMode wait_mode = models::LockMode::kExclusive;
  models::Ticks wait_since = 0;
  std::uint32_t confirm_lock = UINT32_MAX;  // a lock-acquired for this lock confirms the attempt
  std::uint32_t pending_wakeups = 0;
  // State kSleeping: what it sleeps on (a completion or bit-wait's lock index; UINT32_MAX: not
  // said) and whether the hung-task detector reports it (uninterruptible, not killable).
  std::uint32_t sleep_on = UINT32_MAX;
  bool sleep_reported = true;

  models::Ticks resume_at = 0;  // paused (a restart) until then
  std::uint32_t syscall_depth = 0;
  std::set<std::string_view> used_subsystems;  // of the locks it took or tried (the model's names)
  models::Ticks syscall_since = 0;
  std::vector<std::uint32_t> written_in_syscall;  // objects written since the syscall began

  boost::fibers::context* fiber = nullptr;  // the worker fiber replaying it, while it has one
  bool fiber_started = false;  // a worker has been given it (at its first event, or a restart)
  bool fiber_done = false;
  bool suspended = false;
  bool input_wait = false;
};

}  // namespace oopsim::sim
