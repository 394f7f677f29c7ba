// Ways to wait that are not locks, as sleep and wakeup events (traces/import/wait_pairs.h).
#include "traces/import/wait_pairs.h"

#include <gtest/gtest.h>

namespace oopsim::traces {
namespace {

constexpr WaitKey kCompletion{0xffffc9000044bcb8, models::LockKind::kCompletion};
constexpr WaitKey kFolio{0xffffea00001f4c00, models::LockKind::kBitWait};

struct Fixture {
  std::vector<trace::Event> events;
  ImportStats stats;
  EventOut out{events, stats};
  // The key's lock id: 7 for the completion, 8 for the folio bit.
  WaitPairs pairs{out,
                  [](const WaitKey& k, std::uint64_t) {
                    return k.kind == models::LockKind::kCompletion ? 7u : 8u;
                  },
                  1000};
};

TEST(WaitPairs, EachSleepInsideAWaitIsPairedWithTheSchedulersWakeupOfIt) {
  Fixture f;
  f.pairs.begin(2, kCompletion, 0xffffffff81234567, true);
  f.pairs.sleeps(2, 1110);
  f.pairs.woken(9, 3, 1150);  // another task: not in a wait
  f.pairs.woken(1, 2, 1200);
  f.pairs.end(2, 1210);
  f.pairs.finish();
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].type(), trace::Event::WAKEUP);
  EXPECT_EQ(f.events[0].context(), 1u);
  EXPECT_EQ(f.events[0].target(), 2u);
  EXPECT_EQ(f.events[0].lock(), 7u);
  auto early = f.pairs.take_early();  // the sleep, kept once its wakeup came
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].type(), trace::Event::SLEEP);
  EXPECT_EQ(early[0].context(), 2u);
  EXPECT_EQ(early[0].time(), 1110u);
  EXPECT_EQ(early[0].lock(), 7u);
  EXPECT_FALSE(early[0].has_mode());  // uninterruptible: the hung-task detector reports it
  EXPECT_EQ(f.pairs.sleeps_paired(), 1u);
}

TEST(WaitPairs, AKillableWaitSleepsInAStateNoDetectorReports) {
  Fixture f;
  f.pairs.begin(2, kFolio, 0, false);
  f.pairs.sleeps(2, 1110);
  f.pairs.finish();  // still asleep when the run ends: the sleep is kept
  auto early = f.pairs.take_early();
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].mode(), trace::Event::SHARED);
  EXPECT_EQ(early[0].lock(), 8u);
  EXPECT_TRUE(f.events.empty());
}

TEST(WaitPairs, ASleepWhoseWakeupTheRecordLacksIsLeftOut) {
  Fixture f;
  f.pairs.begin(2, kCompletion, 0, true);
  f.pairs.sleeps(2, 1110);
  f.pairs.end(2, 1300);  // returned, but no sched_wakeup of it was seen
  f.pairs.finish();
  EXPECT_TRUE(f.events.empty());
  EXPECT_TRUE(f.pairs.take_early().empty());
}

TEST(WaitPairs, AWaitWokenBeforeItSleptStillDependsOnItsWaker) {
  Fixture f;
  f.pairs.begin(2, kCompletion, 0, true);
  f.pairs.woken(4, 2, 1120);  // complete() while the waiter was on its way to sleep
  f.pairs.end(2, 1130);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].type(), trace::Event::SLEEP);
  EXPECT_EQ(f.events[0].time(), 1130u);
  auto early = f.pairs.take_early();
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].type(), trace::Event::WAKEUP);
  EXPECT_EQ(early[0].context(), 4u);
  EXPECT_EQ(early[0].time(), 1120u);
}

TEST(WaitPairs, AWaitThatFoundItsKeyDoneDependsOnTheLastOtherWakerOfTheKey) {
  Fixture f;
  f.pairs.wake(5, kCompletion, 1050);
  f.pairs.wake(6, kFolio, 1060);  // another key
  f.pairs.begin(2, kCompletion, 0, true);
  f.pairs.end(2, 1105);
  auto early = f.pairs.take_early();
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].context(), 5u);
  EXPECT_EQ(early[0].target(), 2u);
  ASSERT_EQ(f.events.size(), 1u);
  EXPECT_EQ(f.events[0].type(), trace::Event::SLEEP);
}

TEST(WaitPairs, NothingIsPairedWithAWakeThatIsNotReplayedOrWithTheWaitersOwn) {
  Fixture f;
  f.pairs.wake(5, kCompletion, 900);  // before the crash in the golden run: not replayed
  f.pairs.begin(2, kCompletion, 0, true);
  f.pairs.end(2, 1105);
  f.pairs.wake(2, kFolio, 1200);  // its own wake
  f.pairs.begin(2, kFolio, 0, true);
  f.pairs.end(2, 1305);
  f.pairs.sleeps(3, 1400);  // a sleep outside any traced wait
  f.pairs.woken(1, 3, 1500);
  f.pairs.end(3, 1600);  // a return with no wait seen
  f.pairs.finish();
  EXPECT_TRUE(f.events.empty());
  EXPECT_TRUE(f.pairs.take_early().empty());
}

}  // namespace
}  // namespace oopsim::traces
