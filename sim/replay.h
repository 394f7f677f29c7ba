// One replay of one trace under one policy: the feeder (the thread's main fiber) reads the trace
// and hands each context's events to its fiber; the fibers replay them on simulated time; at the
// crash the policy acts through EngineActions. Runs on a thread of its own (engine.cc).
#pragma once

#include <boost/fiber/all.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/consistency_model.h"
#include "models/propagation_graph.h"
#include "policies/policy.h"
#include "sim/context_sim.h"
#include "sim/engine.h"
#include "sim/lock_table.h"
#include "sim/prediction.h"
#include "sim/sim_scheduler.h"
#include "sim/timeline_recorder.h"
#include "traces/trace_reader.h"

namespace oopsim::sim {

class Replay : public policies::EngineActions {
 public:
  Replay(const EngineConfig& config, traces::TraceReader& reader, policies::Policy& policy,
         std::string policy_name);
  // Runs on the calling thread; installs the simulated-time scheduler on it.
  void run();

  Prediction& prediction() { return out_; }
  const std::optional<traces::TraceError>& error() const { return error_; }

  // EngineActions
  const models::ContextInfo& context(models::ContextId id) const override;
  const models::LockInfo& lock(models::LockId id) const override;
  std::vector<models::LockId> locks_held_by(models::ContextId id) const override;
  bool is_alive(models::ContextId id) const override;
  models::Ticks now() const override { return sched_->now(); }
  const models::FaultInfo* fault() const override;
  std::vector<models::ContextId> contexts() const override;
  std::vector<models::LockId> locks() const override;
  std::vector<models::ContextId> reached_contexts() const override;
  bool in_syscall(models::ContextId id) const override;
  std::vector<models::ObjectId> bad_objects() const override;
  models::StateMark state_of(models::ObjectId id) const override;
  const models::ObjectInfo& object(models::ObjectId id) const override;
  std::uint64_t ticks_per_second() const override { return model_.header.ticks_per_second; }
  void kill(models::ContextId id, std::string_view why) override;
  void restart(models::ContextId id, models::Ticks delay, std::string_view why) override;
  void fail_request(models::ContextId id, std::string_view why) override;
  bool rollback_request(models::ContextId id, std::string_view why) override;
  void reset_subsystem(std::string_view subsystem, std::string_view why) override;
  void discard_all_state(std::string_view why) override;
  void reload_kernel_text(std::string_view why) override;
  void pause_all(models::Ticks duration, std::string_view why) override;
  void release_lock(models::ContextId holder, models::LockId lock, std::string_view why) override;
  void panic(std::string_view why) override;
  void note(std::string_view text) override;

 private:
  struct Killed {};  // thrown inside a fiber to unwind a dead context; never leaves the fiber

  // feeder (replay.cc)
  void feed();
  void sync_declarations();
  void on_event(const models::Event& e);
  void deliver(const models::Event& e);
  void start_runs();
  void drain_and_stop();

  // context fibers (replay_context.cc)
  void context_main(ContextSim& c);
  void apply(ContextSim& c, const models::Event& e);
  // Blocks until it holds the lock; a trylock that cannot take it at once returns false.
  bool acquire(ContextSim& c, std::uint32_t lock, models::LockMode mode, bool trylock = false);
  // Queues the context on the lock and blocks it until it is granted (or the context dies).
  void wait_for(ContextSim& c, std::uint32_t lock, models::LockMode mode);
  void trylock_failed(ContextSim& c, std::uint32_t lock);
  void skip_take(ContextSim& c, std::uint32_t lock, std::string_view why);
  // The fault deleted the call (to a lock primitive) this event's site returns from.
  bool at_deleted_call(const models::Event& e) const;
  // The context's hold of `lock` if it is never let go (its unlock call is deleted), else null.
  const HeldLock* kept_hold(const ContextSim& c, std::uint32_t lock) const;
  // Takes a lock it keeps for good: it waits on itself, forever.
  void wait_on_own_lock(ContextSim& c, std::uint32_t lock, models::LockMode mode);
  void release(ContextSim& c, std::uint32_t lock);
  void oops(ContextSim& c, const models::Event& e, bool first);
  void suspend(ContextSim& c);
  void wake(ContextSim& c);
  // Makes a suspended fiber ready at the current simulated time (after those already ready then).
  void ready_now(boost::fibers::context* fiber);
  void check_alive(ContextSim& c);
  void grant(std::uint32_t lock, const std::vector<std::uint32_t>& granted);
  // The sender will never run its wakeup of `target`: the target, if it sleeps, waits on it.
  void lose_wakeup(const ContextSim& sender, std::uint32_t target);
  void drop_queue(ContextSim& c);
  void diverge(const ContextSim& c, const models::Event& e, std::string_view what);
  void finding(std::uint32_t context, models::Outcome outcome, std::string why, bool required_only,
               std::optional<models::Ticks> when = std::nullopt);
  void read_bad_state(ContextSim& c, const models::Event& e);
  // After the crash, a context that runs the function whose text the fault mutated (a lock
  // operation of that function) runs the faulty instruction again: it oopses again.
  // `op_done`: called after the lock operation (else before it).
  bool stuck_by_crash(const DeadlockVerdict& v) const;
  bool runs_faulty_code(ContextSim& c, const models::Event& e, bool op_done);
  // A context gets a fiber (a worker from the pool, or a new one) when it first has something to
  // replay: memory grows with the contexts that run, not with those declared (issue: bounded
  // memory). A worker whose context ends goes back to the pool.
  struct Worker {
    boost::fibers::fiber fiber;
    boost::fibers::context* ctx = nullptr;
    ContextSim* next = nullptr;  // the context to replay next (nullptr: the end)
  };
  void start_fiber(ContextSim& c);
  void worker_main(Worker& w);
  // The engine's state of a context, made when first needed (a context that never runs and is
  // never acted on has none).
  ContextSim& sim(std::uint32_t index);
  const ContextSim* peek(std::uint32_t index) const { return ctx_[index].get(); }
  // Its state for the wait-for graph, also for a context with no state yet: one that exists from
  // the start runs (and has finished once the input is done); a forked one has not started.
  NodeState node_state(std::uint32_t index) const;

  // reaping a killed task (replay_reap.cc)
  // The context that reaps `killed`: its parent, else init; UINT32_MAX: not in the trace.
  std::uint32_t reaper_of(const ContextSim& killed) const;
  // Its reaper runs release_task; if the fault mutated a function on that path, it oopses too.
  void reap(ContextSim& killed);
  models::PropagationGraph& spread(std::uint32_t root);

  // verdicts (replay_verdict.cc)
  void conclude();
  WaitForGraph build_wait_graph() const;
  void cpus_taken(const WaitForGraph& g);
  std::string describe_chain(const DeadlockVerdict& v) const;
  std::string label(std::uint32_t context) const;
  std::string secs(models::Ticks t) const;

  const EngineConfig& config_;
  traces::TraceReader& reader_;
  const traces::TraceModel& model_;
  policies::Policy& policy_;
  Prediction out_;
  std::optional<traces::TraceError> error_;

  SimScheduler* sched_ = nullptr;
  std::vector<std::unique_ptr<ContextSim>> ctx_;  // by context index; null until needed
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_workers_;
  LockTable locks_;
  models::ConsistencyModel state_;                   // by object index
  std::vector<models::ObjectClass> cls_;             // resolved class, by object index
  std::vector<std::vector<std::uint32_t>> guarded_;  // by lock index: objects it guards
  std::optional<models::PropagationGraph> spread_;
  models::Ticks pause_until_ = 0;
  std::unique_ptr<TimelineRecorder> timeline_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> reported_reads_;  // (object, context)
  // Functions the trace shows taking or releasing a runqueue lock (a handed-over spinlock).
  std::set<std::string> runqueue_functions_;
  std::vector<models::WorkloadVerdict> verdicts_;
  // By workload: the golden run's highest count so far, how long after the crash its count last
  // rose (within the window), and its longest wait for a rise after the crash.
  std::vector<std::uint64_t> golden_high_;
  std::vector<models::Ticks> golden_last_rise_;
  std::vector<models::Ticks> golden_max_gap_;

  bool runs_started_ = false;
  bool input_done_ = false;
  bool stopping_ = false;    // the end: every fiber unwinds
  bool crash_read_ = false;  // the feeder has delivered the crash
  bool crashed_ = false;     // the policy has acted on it
  models::Ticks crash_trace_time_ = 0;
  models::Ticks crash_sim_time_ = 0;
  models::Ticks window_end_ = UINT64_MAX;
  std::uint32_t faulty_ = UINT32_MAX;  // context index of the crash
  bool activated_ = false;
  std::uint32_t activator_ = UINT32_MAX;
  bool panicked_ = false;
  bool fault_in_text_ = true;          // a text mutation stays until the kernel text is reloaded
  bool deleted_release_seen_ = false;  // a release ran at the call the fault deleted
  models::Ticks last_time_ = 0;
  std::vector<HeldLock> held_at_crash_;
  models::ContextId crash_context_id_ = 0;
  std::vector<std::uint32_t>
      golden_taker_;  // by lock: first other context to take it after the crash
  std::uint64_t since_yield_ = 0;
};

}  // namespace oopsim::sim
