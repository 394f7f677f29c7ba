#include "sim/sim_scheduler.h"

#include <gtest/gtest.h>
#include <boost/fiber/all.hpp>

#include <string>
#include <thread>
#include <vector>

namespace oopsim::sim {
namespace {

class Capture : public SimScheduler {
 public:
  explicit Capture(SimScheduler** self) { *self = this; }
};

void sleep_until(models::Ticks t) {
  boost::this_fiber::properties<SimFiberProps>().wake = t;
  boost::this_fiber::yield();
}

// Runs fibers that each wake at the given times and logs "name@now" when they run.
std::vector<std::string> run_fibers(
    const std::vector<std::pair<std::string, std::vector<models::Ticks>>>& plan) {
  std::vector<std::string> log;
  std::thread t([&] {
    SimScheduler* sched = nullptr;
    boost::fibers::use_scheduling_algorithm<Capture>(&sched);
    std::vector<boost::fibers::fiber> fibers;
    for (const auto& [name, times] : plan) {
      fibers.emplace_back([&, name = name, times = times] {
        for (models::Ticks w : times) {
          sleep_until(w);
          log.push_back(name + "@" + std::to_string(sched->now()));
        }
      });
    }
    for (auto& f : fibers) f.join();
  });
  t.join();
  return log;
}

TEST(SimScheduler, RunsFibersInSimulatedTimeOrder) {
  auto log = run_fibers({{"a", {30, 50}}, {"b", {10, 40}}, {"c", {20}}});
  EXPECT_EQ(log, (std::vector<std::string>{"b@10", "c@20", "a@30", "b@40", "a@50"}));
}

TEST(SimScheduler, BreaksTiesByInsertionOrder) {
  auto log = run_fibers({{"x", {5}}, {"y", {5}}, {"z", {5}}});
  EXPECT_EQ(log, (std::vector<std::string>{"x@5", "y@5", "z@5"}));
}

TEST(SimScheduler, ClockNeverGoesBackwards) {
  // "late" asks for time 1 after the clock has reached 100: it runs at 100.
  auto log = run_fibers({{"early", {100}}, {"late", {100, 1}}});
  EXPECT_EQ(log, (std::vector<std::string>{"early@100", "late@100", "late@100"}));
}

TEST(SimScheduler, SameInputGivesSameInterleavingTwice) {
  std::vector<std::pair<std::string, std::vector<models::Ticks>>> plan;
  for (int i = 0; i < 50; ++i) {
    std::vector<models::Ticks> times;
    for (int k = 1; k <= 20; ++k)
      times.push_back(static_cast<models::Ticks>((i * 7919 + k * 104729) % 1000 + k * 1000));
    plan.emplace_back("f" + std::to_string(i), times);
  }
  EXPECT_EQ(run_fibers(plan), run_fibers(plan));
}

}  // namespace
}  // namespace oopsim::sim
