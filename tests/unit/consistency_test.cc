#include <gtest/gtest.h>

#include "models/consistency_model.h"
#include "models/propagation_graph.h"
#include "models/reap_path.h"
#include "models/state_class_table.h"
#include "models/subsystem_rules.h"
#include "policies/policy_params.h"

namespace oopsim::models {
namespace {

TEST(StateClassTable, BuiltinTableKnowsKernelTypesAndUsersCanAddRows) {
  StateClassTable t = StateClassTable::builtin();
  EXPECT_EQ(t.find("list_head"), ObjectClass::kPointer);
  EXPECT_EQ(t.find("ext4_group_desc"), ObjectClass::kChecked);
  EXPECT_EQ(t.find("counter"), ObjectClass::kPlain);
  EXPECT_FALSE(t.find("my_ring"));
  std::string error;
  ASSERT_TRUE(t.add_rows("# mine\nmy_ring pointer\ncounter checked\n", "extra.txt", error));
  EXPECT_EQ(t.find("my_ring"), ObjectClass::kPointer);
  EXPECT_EQ(t.find("counter"), ObjectClass::kChecked);  // a later row wins
  EXPECT_FALSE(t.add_rows("x\n", "bad.txt", error));
  EXPECT_EQ(error, "bad.txt:1: expected '<type> <class>'");
  EXPECT_FALSE(t.add_rows("x shiny\n", "bad.txt", error));
  EXPECT_NE(error.find("unknown class 'shiny'"), std::string::npos);
}

TEST(StateClassTable, ReaderOutcomeFollowsTheClass) {
  EXPECT_EQ(reader_outcome(ObjectClass::kPointer), Outcome::kOopsAgain);
  EXPECT_EQ(reader_outcome(ObjectClass::kChecked), Outcome::kDetectError);
  EXPECT_EQ(reader_outcome(ObjectClass::kPlain), Outcome::kSurvivedInconsistent);
}

TEST(SubsystemRules, ModuleWinsThenDeclaredSubsystemThenLongestPrefix) {
  const SubsystemRules& r = SubsystemRules::builtin();
  EXPECT_EQ(r.for_symbol("jbd2_journal_commit_transaction"), "jbd2");
  EXPECT_EQ(r.for_symbol("snd_pcm_period_elapsed"), "sound");
  EXPECT_EQ(r.for_symbol("no_such_function"), "");
  FaultInfo f;
  f.symbol = "ext4_da_write_begin";
  EXPECT_EQ(r.for_fault(&f, ""), "ext4");
  f.subsystem = "journal";
  EXPECT_EQ(r.for_fault(&f, ""), "journal");
  f.module = "fat";
  EXPECT_EQ(r.for_fault(&f, ""), "vfat");
  EXPECT_EQ(r.for_fault(nullptr, "tcp_sendmsg"), "net");
}

TEST(ReapPath, MeasuredTableSaysWhichInstructionsTheReaperRuns) {
  const ReapPath& p = ReapPath::builtin();
  EXPECT_GT(p.size(), 100u);  // measured: the instructions of kernel_wait4 and what it calls
  EXPECT_TRUE(p.calls("release_task"));
  EXPECT_TRUE(p.contains("release_task", 0));  // its first instruction
  EXPECT_FALSE(p.calls("no_such_function"));
  EXPECT_FALSE(p.contains("", 0));
}

// Each kernel build has its own measured table: its instructions sit at other offsets.
TEST(ReapPath, EachKernelBuildHasItsOwnTableAndOthersFallBackToTheFirst) {
  const ReapPath& k61 = ReapPath::for_kernel("6.1.0-56-amd64");
  const ReapPath& k612 = ReapPath::for_kernel("6.12.118+deb12-amd64");
  EXPECT_EQ(&k61, &ReapPath::builtin());
  EXPECT_NE(&k612, &k61);
  EXPECT_EQ(k61.source(), "models/reap_path.txt");
  EXPECT_EQ(k612.source(), "models/reap_path-6.12.txt");
  EXPECT_GT(k612.size(), 100u);
  EXPECT_TRUE(k612.calls("release_task"));
  EXPECT_EQ(&ReapPath::for_kernel("6.12.57+deb13-amd64"), &k612);  // same major.minor
  EXPECT_EQ(&ReapPath::for_kernel("6.1.0-57-amd64"), &k61);
  EXPECT_EQ(&ReapPath::for_kernel("2.6.38"), &k61);  // hand-written traces
  EXPECT_EQ(&ReapPath::for_kernel(""), &k61);
}

TEST(ReapPath, InstructionsWholeFunctionsAndCompilerSuffixes) {
  ReapPath q;
  std::string error;
  ASSERT_TRUE(q.add_rows("# comment\nd_walk+0x10\nd_walk+0x14\nselect_collect.part.0  # whole\n",
                         "t", error))
      << error;
  EXPECT_TRUE(q.contains("d_walk.isra.0", 0x14));
  EXPECT_FALSE(q.contains("d_walk", 0x12));  // not an instruction the reaper ran
  EXPECT_TRUE(q.contains("select_collect", 0x99));
  EXPECT_TRUE(q.calls("d_walk"));
  EXPECT_FALSE(q.calls("d_walker"));
  EXPECT_FALSE(q.add_rows("two words\n", "t", error));
  EXPECT_EQ(error, "t:1: expected one function or function+0xoffset per line");
  EXPECT_FALSE(q.add_rows("dput+173\n", "t", error));
  EXPECT_EQ(error, "t:1: expected function+0xoffset, got 'dput+173'");
}

TEST(ConsistencyModel, MarksKeepTheirFirstReasonAndDiscardCleans) {
  ConsistencyModel m;
  m.resize(2);
  m.mark_possibly_inconsistent(0, "lock held at the crash");
  m.taint(0, "written after activation");
  EXPECT_EQ(m.mark(0), StateMark::kTainted);
  m.mark_possibly_inconsistent(0, "again");
  EXPECT_EQ(m.why(0), "written after activation");
  EXPECT_FALSE(m.bad(1));
  m.discard(0);
  EXPECT_FALSE(m.bad(0));
}

TEST(PropagationGraph, ReadersAreTheContextsThatReadBadState) {
  PropagationGraph g(0, "bash[1]");
  g.writes(0, "own stack", false);
  g.holds(1, "fs->lock");
  g.takes(1, "fs->lock", 3, "ls[3]");
  g.reads(0, "own stack", false, 2, "ps[2]");
  EXPECT_EQ(g.readers(), std::vector<std::uint32_t>{2});
}

TEST(PolicyParams, DurationsHaveUnits) {
  EXPECT_DOUBLE_EQ(*policies::parse_duration("200ms"), 0.2);
  EXPECT_DOUBLE_EQ(*policies::parse_duration("1.5s"), 1.5);
  EXPECT_DOUBLE_EQ(*policies::parse_duration("40ns"), 40e-9);
  EXPECT_FALSE(policies::parse_duration("200"));
  EXPECT_FALSE(policies::parse_duration("-1s"));
  EXPECT_FALSE(policies::parse_duration("fast"));
}

}  // namespace
}  // namespace oopsim::models
