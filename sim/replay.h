// One replay of one trace under one policy: the feeder (the thread's main fiber) reads the trace
// and hands each context's events to its fiber; the fibers replay them on simulated time; at the
// crash the policy acts through EngineActions. Runs on a thread of its own (engine.cc).
//
// The engine core keeps the fibers, the lock table, simulated time, event dispatch and the
// policy's actions. What the kernel does beyond replaying the golden run is in the kernel rules
// (sim/rule.h, sim/rules/), which the core calls through hooks; watchers (the timeline) are
// observers (sim/replay_observer.h).
#pragma once

#include <boost/fiber/all.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/consistency_model.h"
#include "models/propagation_graph.h"
#include "policies/policy.h"
#include "sim/context_sim.h"
#include "sim/engine.h"
#include "sim/lock_table.h"
#include "sim/prediction.h"
#include "sim/replay_observer.h"
#include "sim/rule.h"
#include "sim/sim_scheduler.h"
#include "traces/format/trace_reader.h"

namespace oopsim::sim {

class Replay : public policies::EngineActions {
 public:
  Replay(const EngineConfig& config, traces::TraceReader& reader, policies::Policy& policy,
         std::string policy_name);
  ~Replay() override;
  // Watches the replay (not owned); add before run().
  void add_observer(ReplayObserver* observer) { observers_.add(observer); }
  // Runs on the calling thread; installs the simulated-time scheduler on it.
  void run();

  Prediction& prediction() { return out_; }
  const std::optional<traces::TraceError>& error() const { return error_; }

  // EngineActions (replay_actions.cc)
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
  bool waits_uninterruptibly(models::ContextId id) const override;
  bool used_subsystem(models::ContextId id, std::string_view subsystem) const override;
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
  void replace_kernel(std::string_view why) override;
  void pause_all(models::Ticks duration, std::string_view why) override;
  void release_lock(models::ContextId holder, models::LockId lock, std::string_view why) override;
  void take_down(std::string_view subsystem, models::Ticks until, std::string_view why) override;
  void panic(std::string_view why) override;
  void note(std::string_view text) override;
  void after(models::Ticks delay, std::string_view why,
             std::function<void(EngineActions&)> step) override;

  // --- for the kernel rules (sim/rules/) -------------------------------------------------------
  // A subsystem a policy took down (take_down), while it is down at `t`: why; else null.
  struct DownWindow {
    models::Ticks from = 0, until = 0;
    std::string why;
  };
  const DownWindow* down_at(std::string_view subsystem, models::Ticks t) const;
  const traces::TraceModel& model() const { return model_; }
  // The engine's state of a context, made when first needed (a context that never runs and is
  // never acted on has none); peek: null while it has none.
  ContextSim& sim(std::uint32_t index);
  const ContextSim* peek(std::uint32_t index) const { return ctx_[index].get(); }
  // Every context's state so far, by index (null: none yet).
  const std::vector<std::unique_ptr<ContextSim>>& states() const { return ctx_; }
  // Its state for the wait-for graph, also for a context with no state yet: one that exists from
  // the start runs (and has finished once the input is done); a forked one has not started.
  NodeState node_state(std::uint32_t index) const;
  const LockTable& lock_table() const { return locks_; }
  const RuleList& rules() const { return rules_; }
  // Whether `c` belongs to a kernel a policy replaced (replace_kernel): it was dead by then.
  bool of_replaced_kernel(const ContextSim& c) const {
    return kernel_replaced_at_ && c.dead && c.died_at <= *kernel_replaced_at_;
  }
  // The wakeup the golden run gives `target` reaches it (a sleeper goes on; else it is kept for
  // its next sleep), though its sender will not send it.
  void serve_wakeup(std::uint32_t target, std::string_view why);
  ReplayObserver& observe() { return observers_; }
  models::Ticks last_time() const { return last_time_; }

  bool crashed() const { return crash_.crashed; }  // the policy has acted on the injected crash
  bool panicked() const { return crash_.panicked; }
  // A stall the stall rules find from `since` on, before the panic: the machine stopped running
  // anything new then, so the later panic (an oops the stall kept from running) did not happen.
  void withdraw_panic(models::Ticks since, std::string_view why);
  std::uint32_t faulty() const {
    return crash_.faulty;
  }  // context index of the crash, or UINT32_MAX
  models::Ticks crash_time() const { return crash_.sim_time; }
  // When the crash happened in the recorded run (trace time).
  models::Ticks crash_trace_time() const { return crash_.trace_time; }
  // The crashed context's id, known from when the feeder reads the oops.
  models::ContextId crash_context_id() const { return crash_.context_id; }
  // The injected fault, while its mutation is still in the kernel text after the crash (not
  // before the crash, and not once a policy reloaded the text); else null.
  const models::FaultInfo* live_fault() const;
  // The context that activated the fault (UINT32_MAX: none seen).
  std::uint32_t activator() const { return crash_.activator; }
  bool activated() const { return crash_.activated; }

  // The consistency state, by object index, with each object's resolved class; the objects a
  // lock guards; the error's propagation graph from `root` (made at first use).
  models::ConsistencyModel& state() { return state_; }
  models::ObjectClass object_class(std::uint32_t object) const { return cls_[object]; }
  const std::vector<std::uint32_t>& guarded_by(std::uint32_t lock) const { return guarded_[lock]; }
  models::PropagationGraph& spread(std::uint32_t root);
  const std::optional<models::PropagationGraph>& spread_so_far() const { return spread_; }
  std::vector<models::WorkloadVerdict>& verdicts() { return verdicts_; }

  // A finding for each workload the context is part of or required by (`required_only`: only
  // those that require it); `when` defaults to now.
  void finding(std::uint32_t context, models::Outcome outcome, std::string why, bool required_only,
               std::optional<models::Ticks> when = std::nullopt);
  // `c` oopses again (not the injected crash): the policy acts on it. `c` is the running context.
  void oops_again(ContextSim& c, models::OopsKind kind, std::string function);
  // Another context than the running one oopses (`how`: how it came to); the policy acts on it.
  void oops_of(ContextSim& c, models::OopsKind kind, std::string function, std::string how,
               std::string_view detail);
  // The context lets the lock go; its waiters get it in order.
  void release(ContextSim& c, std::uint32_t lock);
  // The code goes on without the lock; the golden run's unlock of this take is skipped.
  void skip_take(ContextSim& c, std::uint32_t lock, std::string_view why);
  // Queues the context on the lock and blocks it until it is granted (or the context dies);
  // `holders`: whom the timeline draws it waiting for.
  void wait_for(ContextSim& c, std::uint32_t lock, models::LockMode mode,
                const std::vector<std::uint32_t>& holders);
  // The holder's hold of `lock` if it is never let go (a rule says so), else null.
  const HeldLock* kept_hold(const ContextSim& c, std::uint32_t lock) const;
  WaitForGraph build_wait_graph() const;
  std::string label(std::uint32_t context) const;
  std::string secs(models::Ticks t) const;

 private:
  struct Killed {};  // thrown inside a fiber to unwind a dead context; never leaves the fiber

  // feeder (replay.cc)
  void feed();
  void sync_declarations();
  void on_event(const models::Event& e);
  void deliver(const models::Event& e);
  void start_runs();
  void drain_and_stop();

  // context fibers (replay_fibers.cc)
  struct Worker {
    boost::fibers::fiber fiber;
    boost::fibers::context* ctx = nullptr;
    ContextSim* next = nullptr;  // the context to replay next (nullptr: the end)
  };
  // A context gets a fiber (a worker from the pool, or a new one) when it first has something to
  // replay: memory grows with the contexts that run, not with those declared. A worker whose
  // context ends goes back to the pool.
  void start_fiber(ContextSim& c);
  void worker_main(Worker& w);
  void context_main(ContextSim& c);
  void suspend(ContextSim& c);
  void wake(ContextSim& c);
  // Makes a suspended fiber ready at the current simulated time (after those already ready then).
  void ready_now(boost::fibers::context* fiber);
  void check_alive(ContextSim& c);
  void drop_queue(ContextSim& c);

  // event dispatch (replay_apply.cc)
  void apply(ContextSim& c, const models::Event& e);
  void apply_take(ContextSim& c, const models::Event& e);
  void apply_release(ContextSim& c, const models::Event& e);
  void apply_sleep(ContextSim& c, const models::Event& e);
  // A wakeup reaches `t`: a sleeper goes on; else it is kept for its next sleep.
  void deliver_wakeup(ContextSim& t);
  void fault_activation(ContextSim& c);
  // Blocks until it holds the lock; a trylock that cannot take it at once returns false.
  bool acquire(ContextSim& c, std::uint32_t lock, models::LockMode mode, bool trylock);
  void trylock_failed(ContextSim& c, std::uint32_t lock);
  void grant(std::uint32_t lock, const std::vector<std::uint32_t>& granted);
  void diverge(const ContextSim& c, const models::Event& e, std::string_view what);
  void oops(ContextSim& c, const models::Event& e, bool first);
  void crash(ContextSim& c, const models::Event& e);
  void tell_policy(ContextSim& c, models::OopsKind kind, std::string function, bool first,
                   std::string how);

  // the end (replay_end.cc)
  void conclude();
  void write_graphs(const WaitForGraph& g);

  const EngineConfig& config_;
  traces::TraceReader& reader_;
  const traces::TraceModel& model_;
  policies::Policy& policy_;
  Prediction out_;
  std::optional<traces::TraceError> error_;
  RuleList rules_;
  // By event type: the rules whose on_event sees it.
  std::vector<std::vector<Rule*>> rules_by_event_;
  std::vector<Rule*> record_readers_;  // the rules that read the record (Rule::reads_record)
  ReplayObservers observers_;
  bool started_observers_ = false;

  SimScheduler* sched_ = nullptr;
  std::vector<std::unique_ptr<ContextSim>> ctx_;  // by context index; null until needed
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_workers_;
  std::vector<boost::fibers::fiber> policy_steps_;       // after(): each waits for its time
  std::optional<models::Ticks> step_time_;               // a policy step's, while it runs
  std::map<std::string, DownWindow, std::less<>> down_;  // take_down(), by subsystem
  LockTable locks_;
  models::ConsistencyModel state_;                   // by object index
  std::vector<models::ObjectClass> cls_;             // resolved class, by object index
  std::vector<std::vector<std::uint32_t>> guarded_;  // by lock index: objects it guards
  std::optional<models::PropagationGraph> spread_;
  models::Ticks pause_until_ = 0;
  std::optional<models::Ticks> kernel_replaced_at_;  // replace_kernel(), the last time
  std::vector<models::WorkloadVerdict> verdicts_;

  bool runs_started_ = false;
  bool input_done_ = false;
  bool stopping_ = false;  // the end: every fiber unwinds
  // The crash as the replay knows it so far.
  struct CrashState {
    bool read = false;     // the feeder has delivered the crash
    bool crashed = false;  // the policy has acted on it
    models::Ticks trace_time = 0;
    models::Ticks sim_time = 0;
    models::Ticks window_end = UINT64_MAX;
    std::uint32_t faulty = UINT32_MAX;  // context index of the crash
    bool activated = false;
    std::uint32_t activator = UINT32_MAX;
    bool panicked = false;
    models::Ticks panicked_at = 0;
    bool fault_in_text = true;  // a text mutation stays until the kernel text is reloaded
    models::ContextId context_id = 0;
    std::optional<std::uint32_t> preempt_count;  // the CPU's at the crash, when recorded
  } crash_;
  models::Ticks last_time_ = 0;
  std::uint64_t since_yield_ = 0;
};

}  // namespace oopsim::sim
