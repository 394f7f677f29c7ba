// Boost.Fiber scheduling algorithm on simulated time: the ready fiber with the smallest
// (simulated time, insertion counter) runs next. Nothing here reads a wall clock, so the same
// input always gives the same interleaving.
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/properties.hpp>

#include <cstdint>
#include <queue>
#include <vector>

#include "models/kernel_model.h"

namespace oopsim::sim {

struct SimFiberProps : boost::fibers::fiber_properties {
  explicit SimFiberProps(boost::fibers::context* ctx) : fiber_properties(ctx) {}
  models::Ticks wake = 0;  // when the fiber wants to run next
};

class SimScheduler : public boost::fibers::algo::algorithm_with_properties<SimFiberProps> {
 public:
  void awakened(boost::fibers::context* ctx, SimFiberProps& props) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }
  // Simulated time never waits for the wall clock; an empty ready queue is the engine's to end.
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override {}
  void notify() noexcept override {}

  // The time of a fiber that waits for nothing in simulated time (Boost's dispatcher; the feeder
  // once the trace is read): it runs only when nothing else can.
  static constexpr models::Ticks kNever = UINT64_MAX;

  models::Ticks now() const { return now_; }
  // Moves the clock forward without a switch (the running fiber runs on at `t`).
  void advance(models::Ticks t) { now_ = std::max(now_, t); }
  // True when the running fiber may run on at `t` without letting another fiber go first.
  bool may_run_on(models::Ticks t) const { return ready_.empty() || t < ready_.top().time; }
  // Picks that handed the CPU to a fiber with simulated work (the dispatcher's are not counted).
  std::uint64_t switches() const { return switches_; }

 private:
  struct Entry {
    models::Ticks time;
    std::uint64_t seq;
    boost::fibers::context* ctx;
    bool operator>(const Entry& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> ready_;
  std::uint64_t seq_ = 0;
  models::Ticks now_ = 0;
  std::uint64_t switches_ = 0;
};

}  // namespace oopsim::sim
