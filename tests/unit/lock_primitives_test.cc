// The one table of lock primitives (models/lock_primitives.txt) and what is made from it.
#include "models/lock_primitives.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace oopsim::models {
namespace {

TEST(LockPrimitives, BuiltinTableMapsEachProbeToItsKindModeAndSuccess) {
  const LockPrimitives& t = LockPrimitives::builtin();
  ASSERT_GE(t.all().size(), 50u);
  const LockPrimitive* p = t.by_probe("spin_lock_irqsave");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->symbol, "_raw_spin_lock_irqsave");
  EXPECT_EQ(p->kind, LockKind::kSpinlock);
  EXPECT_FALSE(p->conditional());
  p = t.by_probe("read_trylock");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->kind, LockKind::kRwlock);
  EXPECT_EQ(p->mode, LockMode::kShared);
  EXPECT_EQ(p->success, LockPrimitive::Success::kNonzero);
  p = t.by_probe("down_trylock");  // 0 when it took the semaphore
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->kind, LockKind::kSemaphore);
  EXPECT_EQ(p->success, LockPrimitive::Success::kZero);
  p = t.by_probe("mutex_lock_killable");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->conditional());
  EXPECT_EQ(p->success, LockPrimitive::Success::kZero);
  p = t.by_probe("up_read");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->op, LockPrimitive::Op::kRelease);
  EXPECT_EQ(p->mode, LockMode::kShared);
  p = t.by_probe("downgrade_write");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->op, LockPrimitive::Op::kDowngrade);
  EXPECT_EQ(p->kind, LockKind::kRwsem);
  // The three the recovery module once handled alone are in the one list.
  EXPECT_NE(t.by_probe("mutex_lock_io"), nullptr);
  EXPECT_NE(t.by_probe("write_lock_nested"), nullptr);
  EXPECT_NE(t.by_probe("spin_trylock_bh"), nullptr);
  EXPECT_EQ(t.by_probe("schedule"), nullptr);
}

TEST(LockPrimitives, WaitsNameTheirKeyKindAndTheStateTheySleepIn) {
  const LockPrimitives& t = LockPrimitives::builtin();
  const LockPrimitive* p = t.by_probe("wait_for_completion");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->op, LockPrimitive::Op::kWait);
  EXPECT_EQ(p->kind, LockKind::kCompletion);
  EXPECT_EQ(p->state, LockPrimitive::SleepState::kUninterruptible);
  EXPECT_FALSE(p->conditional());
  p = t.by_probe("wait_for_completion_killable");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->state, LockPrimitive::SleepState::kKillable);
  p = t.by_probe("complete_all");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->op, LockPrimitive::Op::kWake);
  p = t.by_probe("__folio_lock_killable");  // bit 0 of the folio's flags
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->kind, LockKind::kBitWait);
  EXPECT_EQ(p->state, LockPrimitive::SleepState::kKillable);
  p = t.by_probe("out_of_line_wait_on_bit_lock");  // (word, bit, action, mode)
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->state, LockPrimitive::SleepState::kArgument);
  EXPECT_EQ(p->state_arg, 4u);
}

TEST(LockPrimitives, WaitOpsOnlyOnWaitablesAndStatesOnlyOnWaits) {
  LockPrimitives t;
  std::string error;
  EXPECT_FALSE(t.add_rows("foo mutex wait D\n", "a.txt", error));
  EXPECT_NE(error.find("does not fit class"), std::string::npos) << error;
  EXPECT_FALSE(t.add_rows("foo completion take always\n", "b.txt", error));
  EXPECT_NE(error.find("does not fit class"), std::string::npos) << error;
  EXPECT_FALSE(t.add_rows("foo completion wait always\n", "c.txt", error));
  EXPECT_NE(error.find("does not fit op"), std::string::npos) << error;
  EXPECT_FALSE(t.add_rows("foo mutex take D\n", "d.txt", error));
  EXPECT_NE(error.find("does not fit op"), std::string::npos) << error;
  EXPECT_TRUE(t.add_rows("foo bit-wait wait arg4\nbar bit-wait wake -\n", "e.txt", error)) << error;
  // The state as another argument (6.12's wait_for_completion_state: the 2nd); no 7th.
  EXPECT_TRUE(t.add_rows("baz completion wait arg2\n", "f.txt", error)) << error;
  EXPECT_EQ(t.by_probe("baz")->state_arg, 2u);
  EXPECT_FALSE(t.add_rows("qux completion wait arg7\n", "g.txt", error));
}

TEST(LockPrimitives, BadRowsAreReportedWithTheirLine) {
  LockPrimitives t;
  std::string error;
  EXPECT_FALSE(
      t.add_rows("_raw_spin_lock spinlock take always\nfoo spinlock take\n", "x.txt", error));
  EXPECT_NE(error.find("x.txt:2"), std::string::npos) << error;
  EXPECT_FALSE(t.add_rows("bar spinlock release always\n", "y.txt", error));
  EXPECT_NE(error.find("y.txt:1"), std::string::npos) << error;
  EXPECT_FALSE(t.add_rows("_raw_spin_lock spinlock take always\n", "z.txt", error));
  EXPECT_NE(error.find("listed twice"), std::string::npos) << error;
}

// The recovery module's probe rows are generated from the same table: one row per primitive.
TEST(LockPrimitives, RecoveryModuleHeaderHasEveryPrimitive) {
  std::string dir = ::testing::TempDir() + "/oopsim_gen_headers";
  std::string cmd = std::string(OOPSIM_SOURCE_DIR) + "/traces/vm/recover/gen_headers.sh " + dir;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dir + "/oopsim_lock_probes.h");
  std::stringstream text;
  text << in.rdbuf();
  for (const LockPrimitive& p : LockPrimitives::builtin().all()) {
    if (p.waits()) {  // nothing to release: the module leaves the waits out
      EXPECT_EQ(text.str().find("\"" + p.symbol + "\""), std::string::npos) << p.symbol;
    } else {
      EXPECT_NE(text.str().find("\"" + p.symbol + "\""), std::string::npos) << p.symbol;
    }
  }
  std::ifstream ids(dir + "/oopsim_policy_ids.h");
  std::stringstream idtext;
  idtext << ids.rdbuf();
  EXPECT_NE(idtext.str().find("#define MODE_LOCK_RELEASE 2"), std::string::npos) << idtext.str();
}

}  // namespace
}  // namespace oopsim::models
