// The restartable sets (models/restart_sets.txt) and their measured steps
// (models/restart_steps.txt): the engine's one list, which the live daemon's module table must
// agree with.
#include "models/restart_sets.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

namespace oopsim::models {
namespace {

TEST(RestartSets, ModulesAndWorkloadsFindTheirSetAndStepsAddUp) {
  const RestartSets& sets = RestartSets::builtin();
  ASSERT_NE(sets.for_module("fat"), nullptr);
  EXPECT_EQ(sets.for_module("fat")->name, "vfat");
  EXPECT_EQ(sets.for_module("jbd2")->name, "ext4");
  EXPECT_EQ(sets.for_module("snd_pcm")->name, "snd-dummy");
  EXPECT_EQ(sets.for_module("e1000"), nullptr);
  EXPECT_EQ(sets.for_workload("usb")->name, "vfat");  // the usb disk is vfat: the first row
  EXPECT_EQ(sets.for_workload("audio")->name, "snd-dummy");
  EXPECT_EQ(sets.for_workload("tcp"), nullptr);
  RestartDurations d;
  d.ms = {1, 2, 3, 4, 5, 6};
  EXPECT_DOUBLE_EQ(d.until(RestartStep::kStop), 1);
  EXPECT_DOUBLE_EQ(d.until(RestartStep::kModprobe), 10);
  EXPECT_DOUBLE_EQ(d.total(), 21);
}

TEST(RestartSets, BadRowsAreErrorsWithTheirLine) {
  RestartSets sets;
  std::string error;
  ASSERT_TRUE(sets.add_rows("vfat fat,vfat vfat vfat,usb\n", "sets", error)) << error;
  EXPECT_FALSE(sets.add_rows("ext4 ext4\n", "sets", error));
  EXPECT_NE(error.find("sets:1: expected"), std::string::npos) << error;
  EXPECT_FALSE(sets.add_steps("ext4 complete 3 1 2 3 4 5 6\n", "steps", error));
  EXPECT_NE(error.find("no set ext4"), std::string::npos) << error;
  EXPECT_FALSE(sets.add_steps("vfat done 3 1 2 3 4 5 6\n", "steps", error));
  EXPECT_FALSE(sets.add_steps("vfat complete 3 1 2 x 4 5 6\n", "steps", error));
  EXPECT_NE(error.find("'x' is not a duration"), std::string::npos) << error;
  ASSERT_TRUE(sets.add_steps("vfat incomplete 2 1 2 3 4 5 6\n", "steps", error)) << error;
  EXPECT_FALSE(sets.named("vfat")->complete.has_value());
  EXPECT_DOUBLE_EQ(sets.named("vfat")->incomplete->total(), 21);
}

// The live daemon (traces/vm/recover/recoverd.c) maps a faulting module to the set it restarts;
// every pair of its table is a module of that set here, and every set it names exists.
TEST(RestartSets, TheLiveDaemonsModuleTableAgrees) {
  std::ifstream in(std::string(OOPSIM_SOURCE_DIR) + "/traces/vm/recover/recoverd.c");
  std::stringstream text;
  text << in.rdbuf();
  std::string src = text.str();
  std::regex pair(R"re(\{"([a-z0-9_]+)", "([a-z0-9-]+)"\})re");
  int pairs = 0;
  for (std::sregex_iterator it(src.begin(), src.end(), pair), end; it != end; ++it, ++pairs) {
    const RestartSet* set = RestartSets::builtin().for_module((*it)[1].str());
    ASSERT_NE(set, nullptr) << (*it)[1] << " is not in models/restart_sets.txt";
    EXPECT_EQ(set->name, (*it)[2].str()) << (*it)[1];
  }
  EXPECT_GT(pairs, 15);
}

}  // namespace
}  // namespace oopsim::models
