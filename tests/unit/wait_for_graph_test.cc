#include "sim/wait_for_graph.h"

#include <gtest/gtest.h>

namespace oopsim::sim {
namespace {

TEST(WaitForGraph, WaiterOnADeadHolderIsDeadlocked) {
  WaitForGraph g({NodeState::kDead, NodeState::kWaitingLock});
  g.add_edge(1, 0, 7);
  g.finish();
  DeadlockVerdict v = g.analyze(1);
  EXPECT_TRUE(v.deadlocked);
  EXPECT_FALSE(v.cycle);
  EXPECT_EQ(v.chain, (std::vector<std::uint32_t>{1, 0}));
  EXPECT_EQ(v.locks, (std::vector<std::uint32_t>{7}));
}

TEST(WaitForGraph, ChainThroughAnotherWaiterReachesTheDeadHolder) {
  // 2 waits for 1 (lock 5), 1 waits for 0 (lock 4), 0 is dead.
  WaitForGraph g({NodeState::kDead, NodeState::kWaitingLock, NodeState::kWaitingLock});
  g.add_edge(2, 1, 5);
  g.add_edge(1, 0, 4);
  g.finish();
  DeadlockVerdict v = g.analyze(2);
  EXPECT_TRUE(v.deadlocked);
  EXPECT_EQ(v.chain, (std::vector<std::uint32_t>{2, 1, 0}));
  EXPECT_EQ(v.locks, (std::vector<std::uint32_t>{5, 4}));
}

TEST(WaitForGraph, WaiterOnALiveRunningHolderIsNotDeadlocked) {
  WaitForGraph g({NodeState::kRunning, NodeState::kWaitingLock});
  g.add_edge(1, 0, 1);
  g.finish();
  EXPECT_FALSE(g.analyze(1).deadlocked);
}

TEST(WaitForGraph, TwoContextsWaitingOnEachOtherAreACycle) {
  WaitForGraph g({NodeState::kWaitingLock, NodeState::kWaitingLock, NodeState::kWaitingLock});
  g.add_edge(0, 1, 10);
  g.add_edge(1, 0, 11);
  g.add_edge(2, 0, 12);  // 2 waits on the cycle from outside
  g.finish();
  EXPECT_TRUE(g.in_cycle(0));
  EXPECT_FALSE(g.in_cycle(2));
  DeadlockVerdict v = g.analyze(2);
  EXPECT_TRUE(v.deadlocked);
  EXPECT_TRUE(v.cycle);
  EXPECT_EQ(v.chain.front(), 2u);
}

TEST(WaitForGraph, ContextThatDoesNotWaitHasNoVerdict) {
  WaitForGraph g({NodeState::kDead, NodeState::kRunning});
  g.finish();
  EXPECT_FALSE(g.analyze(1).deadlocked);
}

TEST(WaitForGraph, SharedLockWithOneDeadAmongLiveHoldersIsDeadlocked) {
  // A writer waits on readers 0 (dead) and 1 (running): it can never get the lock.
  WaitForGraph g({NodeState::kDead, NodeState::kRunning, NodeState::kWaitingLock});
  g.add_edge(2, 1, 3);
  g.add_edge(2, 0, 3);
  g.finish();
  DeadlockVerdict v = g.analyze(2);
  EXPECT_TRUE(v.deadlocked);
  EXPECT_EQ(v.chain.back(), 0u);
}

}  // namespace
}  // namespace oopsim::sim
