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
