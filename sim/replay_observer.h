// What a replay shows to whoever watches it (ns-3's trace sources): a context appears, takes,
// waits for and lets go of a lock, ends; instants (an oops, a policy action, a predicted detector
// report). Observers only watch: none changes the replay. The timeline recorder is one; the engine
// calls the fan-out (ReplayObservers) whether anyone watches or not.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/kernel_model.h"

namespace oopsim::traces {
struct TraceModel;
}

namespace oopsim::sim {

struct Prediction;

class ReplayObserver {
 public:
  static constexpr std::uint32_t kNoContext = UINT32_MAX;  // an instant of the whole machine

  virtual ~ReplayObserver() = default;
  // The trace's header is known (its clock); called once, before anything else.
  virtual void start(const traces::TraceModel& model) = 0;
  virtual void context(std::uint32_t index, const models::ContextInfo& info) = 0;
  virtual void hold_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                          models::Ticks t) = 0;
  virtual void hold_end(std::uint32_t context, std::uint32_t lock, models::Ticks t) = 0;
  // `holders`: the contexts holding the lock when the wait began.
  virtual void wait_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                          models::Ticks t, const std::vector<std::uint32_t>& holders) = 0;
  virtual void wait_end(std::uint32_t context, models::Ticks t) = 0;
  virtual void alive_end(std::uint32_t context, models::Ticks t, const std::string& why) = 0;
  virtual void instant(std::uint32_t context, const std::string& name, models::Ticks t,
                       const std::string& detail) = 0;
  // The injected crash happened at `t` (what came before is the recorded run).
  virtual void crash(models::Ticks t) = 0;
  // The replay is over at `end`: the observer adds what it made to the prediction.
  virtual void finish(models::Ticks end, Prediction& out) = 0;
};

// Hands every call on to each observer, in the order they were added.
class ReplayObservers final : public ReplayObserver {
 public:
  void add(ReplayObserver* observer) { list_.push_back(observer); }

  void start(const traces::TraceModel& model) override {
    for (ReplayObserver* o : list_) o->start(model);
  }
  void context(std::uint32_t index, const models::ContextInfo& info) override {
    for (ReplayObserver* o : list_) o->context(index, info);
  }
  void hold_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                  models::Ticks t) override {
    for (ReplayObserver* o : list_) o->hold_begin(context, lock, lock_name, t);
  }
  void hold_end(std::uint32_t context, std::uint32_t lock, models::Ticks t) override {
    for (ReplayObserver* o : list_) o->hold_end(context, lock, t);
  }
  void wait_begin(std::uint32_t context, std::uint32_t lock, const std::string& lock_name,
                  models::Ticks t, const std::vector<std::uint32_t>& holders) override {
    for (ReplayObserver* o : list_) o->wait_begin(context, lock, lock_name, t, holders);
  }
  void wait_end(std::uint32_t context, models::Ticks t) override {
    for (ReplayObserver* o : list_) o->wait_end(context, t);
  }
  void alive_end(std::uint32_t context, models::Ticks t, const std::string& why) override {
    for (ReplayObserver* o : list_) o->alive_end(context, t, why);
  }
  void instant(std::uint32_t context, const std::string& name, models::Ticks t,
               const std::string& detail) override {
    for (ReplayObserver* o : list_) o->instant(context, name, t, detail);
  }
  void crash(models::Ticks t) override {
    for (ReplayObserver* o : list_) o->crash(t);
  }
  void finish(models::Ticks end, Prediction& out) override {
    for (ReplayObserver* o : list_) o->finish(end, out);
  }

 private:
  std::vector<ReplayObserver*> list_;
};

}  // namespace oopsim::sim
