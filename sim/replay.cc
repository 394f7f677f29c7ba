// The feeder: reads the trace packet by packet and delivers events to the context fibers.
#include "sim/replay.h"

#include <fmt/format.h>

namespace oopsim::sim {

using models::EventType;
using traces::SectionKind;
using Item = traces::TraceReader::Item;

namespace {

class SelfReportingScheduler : public SimScheduler {
 public:
  explicit SelfReportingScheduler(SimScheduler** self) { *self = this; }
};

}  // namespace

Replay::Replay(const EngineConfig& config, traces::TraceReader& reader, policies::Policy& policy,
               std::string policy_name)
    : config_(config), reader_(reader), model_(reader.model()), policy_(policy) {
  out_.trace = reader.path();
  out_.policy = std::move(policy_name);
  rules_ = builtin_rules(*this);
  rules_by_event_.resize(models::kEventTypes);
  for (const std::unique_ptr<Rule>& r : rules_) {
    for (EventType t : r->events()) rules_by_event_[static_cast<std::size_t>(t)].push_back(r.get());
    if (r->reads_record()) record_readers_.push_back(r.get());
  }
}

Replay::~Replay() = default;

void Replay::run() {
  boost::fibers::use_scheduling_algorithm<SelfReportingScheduler>(&sched_);
  boost::this_fiber::properties<SimFiberProps>().wake = 0;
  feed();
  drain_and_stop();
}

void Replay::sync_declarations() {
  if (!started_observers_) {  // the header (the first packet) gives the clock
    started_observers_ = true;
    observers_.start(model_);
  }
  while (ctx_.size() < model_.contexts.size()) {
    observers_.context(ctx_.size(), model_.contexts[ctx_.size()]);
    ctx_.emplace_back();  // its state is made when first needed
  }
  if (locks_.size() < model_.locks.size()) {
    locks_.resize(model_.locks.size());
    guarded_.resize(model_.locks.size());
  }
  const models::StateClassTable& classes =
      config_.state_classes ? *config_.state_classes : models::StateClassTable::builtin();
  while (cls_.size() < model_.objects.size()) {
    const models::ObjectInfo& o = model_.objects[cls_.size()];
    models::ObjectClass cls = o.cls;
    if (!o.cls_given) {
      std::optional<models::ObjectClass> found = classes.find(o.type);
      if (!found) {
        error_ = reader_.source_error_here(fmt::format(
            "object {} has type '{}', which the state-class table does not know (give its class, "
            "or add a row with --state-classes)",
            o.id, o.type));
        cls = models::ObjectClass::kPlain;
      } else {
        cls = *found;
      }
    }
    if (o.guarded_by != 0) guarded_[model_.lock_index.at(o.guarded_by)].push_back(cls_.size());
    cls_.push_back(cls);
  }
  state_.resize(model_.objects.size());
  while (verdicts_.size() < model_.workloads.size()) {
    verdicts_.emplace_back(model_.workloads[verdicts_.size()].name);
  }
}

ContextSim& Replay::sim(std::uint32_t index) {
  std::unique_ptr<ContextSim>& slot = ctx_[index];
  if (!slot) {
    slot = std::make_unique<ContextSim>();
    slot->index = index;
    slot->id = model_.contexts[index].id;
    slot->started = model_.contexts[index].parent == 0;
    slot->state = slot->started ? NodeState::kRunning : NodeState::kNotStarted;
  }
  return *slot;
}

NodeState Replay::node_state(std::uint32_t index) const {
  if (const ContextSim* c = peek(index)) return c->dead ? NodeState::kDead : c->state;
  if (model_.contexts[index].parent != 0) return NodeState::kNotStarted;
  return input_done_ ? NodeState::kFinished : NodeState::kRunning;
}

void Replay::start_runs() {
  // Both runs start from the same saved state: the locks held then are held now.
  runs_started_ = true;
  for (std::uint32_t l = 0; l < model_.locks.size(); ++l) {
    for (models::ContextId holder : model_.locks[l].held_at_start) {
      std::uint32_t ci = model_.context_index.at(holder);
      locks_.try_acquire(l, ci, model_.locks[l].start_mode, 0);
      sim(ci).held.push_back({l, model_.locks[l].start_mode, 0});
    }
  }
}

void Replay::feed() {
  while (true) {
    Item item = reader_.next();
    if (item == Item::kError) {
      error_ = reader_.error();
      return;
    }
    if (item == Item::kEnd) break;
    switch (item) {
      case Item::kDeclaration:
        sync_declarations();
        if (error_) return;
        break;
      case Item::kSection:
        sync_declarations();
        for (Rule* r : record_readers_) r->on_read_section(reader_.section());
        if (reader_.section() == SectionKind::kInjected && !runs_started_) start_runs();
        if (reader_.section() == SectionKind::kGolden && !crash_.read) {
          error_ = reader_.source_error_here(
              "the injected section has no oops: there is no crash to predict from");
          return;
        }
        break;
      case Item::kEvent:
        for (Rule* r : record_readers_) r->on_read_event(reader_.section(), reader_.event());
        if (!stopping_ && !crash_.panicked) on_event(reader_.event());
        break;
      default:
        break;
    }
  }
  if (!crash_.read) {
    error_ = reader_.source_error_here(
        "the trace has no oops in its injected section: there is no crash to predict from");
    return;
  }
}

void Replay::on_event(const models::Event& e) {
  if (reader_.section() == SectionKind::kInjected) {
    if (crash_.read) {
      ++out_.events_ignored_after_crash;  // what really happened next: never used to predict
      return;
    }
    if (e.type == EventType::kOops) {
      crash_.read = true;
      crash_.trace_time = e.time;
      crash_.context_id = e.context;
      deliver(e);
      return;
    }
    if (models::is_report(e.type)) return;
    deliver(e);
    return;
  }
  // Golden: only what comes after the crash continues the surviving contexts.
  bool after_crash = e.time > crash_.trace_time;
  for (const std::unique_ptr<Rule>& r : rules_) r->on_golden(e, after_crash);
  if (!after_crash) return;
  if (models::is_report(e.type) || e.type == EventType::kFaultActivation) return;
  deliver(e);
}

void Replay::deliver(const models::Event& e) {
  ContextSim& c = sim(e.context_ix);
  if (c.drop_events) {
    ++out_.events_dropped;
    for (const std::unique_ptr<Rule>& r : rules_) r->on_dropped(c, e);
    return;
  }
  c.queue.push_back(e);
  if (!c.fiber_started) {
    start_fiber(c);
  } else if (c.input_wait) {
    c.input_wait = false;
    wake(c);
  }
  // Every stuck_check_queue events queued behind a wait, check whether the wait is for good.
  if (c.queue.size() % config_.stuck_check_queue == 0 && c.state == NodeState::kWaitingLock) {
    WaitForGraph g = build_wait_graph();
    if (g.analyze(c.index).deadlocked) {
      drop_queue(c);  // stuck for good: nothing will ever run its queued events
    }
  }
  if (++since_yield_ >= config_.feed_batch) {
    since_yield_ = 0;
    boost::this_fiber::properties<SimFiberProps>().wake = e.time;
    boost::this_fiber::yield();
  }
}

void Replay::drain_and_stop() {
  input_done_ = true;
  if (!error_) {
    // Let every context replay what it was given.
    for (auto& c : ctx_) {
      if (c && c->input_wait) {
        c->input_wait = false;
        wake(*c);
      }
    }
    boost::this_fiber::properties<SimFiberProps>().wake = SimScheduler::kNever;
    boost::this_fiber::yield();
    conclude();
  }
  // Unwind every fiber that is still blocked, then join them all.
  stopping_ = true;
  for (auto& c : ctx_) {
    if (!c) continue;
    c->input_wait = false;
    wake(*c);
  }
  for (Worker* w : idle_workers_) {  // no more contexts: the idle workers end
    w->next = nullptr;
    ready_now(w->ctx);
  }
  idle_workers_.clear();
  for (auto& w : workers_) {
    if (w->fiber.joinable()) w->fiber.join();
  }
  for (boost::fibers::fiber& f : policy_steps_) {  // each has run, or returns now (stopping_)
    if (f.joinable()) f.join();
  }
}

}  // namespace oopsim::sim
