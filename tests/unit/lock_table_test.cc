#include "sim/lock_table.h"

#include <gtest/gtest.h>

namespace oopsim::sim {
namespace {

using models::LockMode;

TEST(LockTable, ExclusiveLockBlocksSecondTakerUntilRelease) {
  LockTable t(1);
  EXPECT_TRUE(t.try_acquire(0, 1, LockMode::kExclusive, 10));
  EXPECT_FALSE(t.try_acquire(0, 2, LockMode::kExclusive, 11));
  t.enqueue(0, 2, LockMode::kExclusive, 11);
  std::vector<std::uint32_t> granted;
  EXPECT_TRUE(t.release(0, 1, 20, granted));
  ASSERT_EQ(granted, std::vector<std::uint32_t>{2});
  EXPECT_TRUE(t.holds(0, 2));
  EXPECT_EQ(t.holders(0).front().since, 20u);
}

TEST(LockTable, WaitersAreServedInFifoOrder) {
  LockTable t(1);
  t.try_acquire(0, 1, LockMode::kExclusive, 0);
  t.enqueue(0, 3, LockMode::kExclusive, 1);
  t.enqueue(0, 2, LockMode::kExclusive, 2);
  std::vector<std::uint32_t> granted;
  t.release(0, 1, 5, granted);
  EXPECT_EQ(granted, std::vector<std::uint32_t>{3});
  granted.clear();
  t.release(0, 3, 6, granted);
  EXPECT_EQ(granted, std::vector<std::uint32_t>{2});
}

TEST(LockTable, SharedHoldersCoexistAndBlockAWriter) {
  LockTable t(1);
  EXPECT_TRUE(t.try_acquire(0, 1, LockMode::kShared, 0));
  EXPECT_TRUE(t.try_acquire(0, 2, LockMode::kShared, 0));
  EXPECT_FALSE(t.try_acquire(0, 3, LockMode::kExclusive, 0));
  t.enqueue(0, 3, LockMode::kExclusive, 0);
  // A reader arriving after a queued writer waits behind it (no writer starvation).
  EXPECT_FALSE(t.try_acquire(0, 4, LockMode::kShared, 1));
  std::vector<std::uint32_t> granted;
  t.release(0, 1, 2, granted);
  EXPECT_TRUE(granted.empty());
  t.release(0, 2, 3, granted);
  EXPECT_EQ(granted, std::vector<std::uint32_t>{3});
}

TEST(LockTable, ReleaseOfAWriterGrantsAllLeadingReaders) {
  LockTable t(1);
  t.try_acquire(0, 1, LockMode::kExclusive, 0);
  t.enqueue(0, 2, LockMode::kShared, 1);
  t.enqueue(0, 3, LockMode::kShared, 2);
  t.enqueue(0, 4, LockMode::kExclusive, 3);
  t.enqueue(0, 5, LockMode::kShared, 4);
  std::vector<std::uint32_t> granted;
  t.release(0, 1, 9, granted);
  EXPECT_EQ(granted, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(t.waiters(0).size(), 2u);
}

TEST(LockTable, ReleaseByNonHolderIsRefused) {
  LockTable t(1);
  t.try_acquire(0, 1, LockMode::kExclusive, 0);
  std::vector<std::uint32_t> granted;
  EXPECT_FALSE(t.release(0, 2, 1, granted));
  EXPECT_TRUE(t.holds(0, 1));
}

TEST(LockTable, CancelledWaiterIsNotGranted) {
  LockTable t(1);
  t.try_acquire(0, 1, LockMode::kExclusive, 0);
  t.enqueue(0, 2, LockMode::kExclusive, 1);
  t.enqueue(0, 3, LockMode::kExclusive, 1);
  EXPECT_TRUE(t.cancel_wait(0, 2));
  EXPECT_FALSE(t.cancel_wait(0, 2));
  std::vector<std::uint32_t> granted;
  t.release(0, 1, 2, granted);
  EXPECT_EQ(granted, std::vector<std::uint32_t>{3});
}

}  // namespace
}  // namespace oopsim::sim
