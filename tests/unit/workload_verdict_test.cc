#include "models/outcome_judge.h"
#include "models/workload_model.h"

#include <gtest/gtest.h>

namespace oopsim::models {
namespace {

TEST(WorkloadVerdict, EarliestStoppingFailureDecides) {
  WorkloadVerdict v("fs");
  v.add({50, Outcome::kDeadlock, "late"});
  v.add({20, Outcome::kNoProc, "early"});
  EXPECT_EQ(v.decide(0).outcome, Outcome::kNoProc);
}

TEST(WorkloadVerdict, PanicOverridesEarlierFailures) {
  WorkloadVerdict v("fs");
  v.add({10, Outcome::kDeadlock, "first"});
  v.add({90, Outcome::kPanic, "later panic"});
  EXPECT_EQ(v.decide(0).outcome, Outcome::kPanic);
}

TEST(WorkloadVerdict, DetectErrorAndInconsistencyDoNotStopTheWorkload) {
  WorkloadVerdict v("fs");
  v.add({10, Outcome::kSurvivedInconsistent, "read plain"});
  v.add({20, Outcome::kDetectError, "EIO"});
  EXPECT_EQ(v.decide(0).outcome, Outcome::kDetectError);
  v.add({30, Outcome::kOopsAgain, "then oopsed"});
  EXPECT_EQ(v.decide(0).outcome, Outcome::kOopsAgain);
}

TEST(WorkloadVerdict, NoFailureIsNotManifestAndSaysWhetherTheTargetWasReached) {
  WorkloadVerdict v("net");
  v.set_progress(100, 5);
  EXPECT_EQ(v.decide(100).outcome, Outcome::kNotManifest);
  EXPECT_NE(v.decide(100).why.find("reached 100"), std::string::npos);
  EXPECT_NE(v.decide(200).why.find("stopped at 100 of 200"), std::string::npos);
}

}  // namespace
}  // namespace oopsim::models

namespace oopsim::models {
namespace {

TEST(OutcomeJudge, ProgressKeptComingWithinTwiceTheGoldenGap) {
  // The golden run rose every 1 s until 10 s after the crash: silent for up to 2 s is still going.
  EXPECT_TRUE(progress_kept_coming(8, 10, 1));
  EXPECT_FALSE(progress_kept_coming(7, 10, 1));
  EXPECT_TRUE(progress_kept_coming(0, 0, 0));
}

TEST(OutcomeJudge, EarliestPanicThenEarliestStoppingFailureDecide) {
  std::vector<Finding> f = {{5, Outcome::kDetectError, "e"},
                            {9, Outcome::kDeadlock, "d"},
                            {7, Outcome::kNoProc, "n"},
                            {7, Outcome::kOopsAgain, "o"}};
  ASSERT_NE(deciding_finding(f), nullptr);
  EXPECT_EQ(deciding_finding(f)->why, "n");  // earliest; a tie goes to the first recorded
  f.push_back({20, Outcome::kPanic, "p"});
  EXPECT_EQ(deciding_finding(f)->why, "p");
  EXPECT_EQ(
      deciding_finding({{3, Outcome::kSurvivedInconsistent, "s"}, {4, Outcome::kDetectError, "e"}})
          ->why,
      "e");
  EXPECT_EQ(deciding_finding({}), nullptr);
}

// A machine that stalled by time 10 ran nothing new after it: a panic found at 12 is withdrawn,
// one at 10 (the crash itself) stays, and other findings are kept.
TEST(WorkloadVerdict, WithdrawRemovesOnlyThatOutcomeAfterTheGivenTime) {
  WorkloadVerdict v("ext4");
  v.add({12, Outcome::kPanic, "later panic"});
  v.add({11, Outcome::kOopsAgain, "o"});
  v.withdraw(Outcome::kPanic, 10);
  ASSERT_EQ(v.findings().size(), 1u);
  EXPECT_EQ(v.findings()[0].why, "o");
  WorkloadVerdict at_crash("tcp");
  at_crash.add({10, Outcome::kPanic, "panic at the crash"});
  at_crash.withdraw(Outcome::kPanic, 10);
  EXPECT_EQ(at_crash.findings().size(), 1u);
}

}  // namespace
}  // namespace oopsim::models
