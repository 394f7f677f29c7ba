// A campaign's plan (campaign.json): sites from executed code by default, and a campaign written
// before that choice existed keeps drawing from all code when it is resumed.
#include "traces/campaign/campaign_config.h"
#include "traces/campaign/learned_functions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

namespace oopsim::traces {
namespace {

TEST(CampaignConfig, SitesComeFromExecutedCodeUnlessAnOlderPlanSaysOtherwise) {
  CampaignConfig fresh;
  fresh.types = {"BRANCH"};
  std::string error;
  CampaignConfig back;
  ASSERT_TRUE(parse_campaign_json(campaign_json(fresh), "campaign.json", back, error)) << error;
  EXPECT_EQ(back.sites, "executed");
  EXPECT_EQ(back.coverage, "");

  nlohmann::json older = nlohmann::json::parse(campaign_json(fresh));
  older.erase("sites");
  older.erase("coverage");
  ASSERT_TRUE(parse_campaign_json(older.dump(), "campaign.json", back, error)) << error;
  EXPECT_EQ(back.sites, "all");

  older["sites"] = "some";
  EXPECT_FALSE(parse_campaign_json(older.dump(), "campaign.json", back, error));
  EXPECT_NE(error.find("sites is executed or all"), std::string::npos) << error;
}

// The kernel build is part of the plan (a pin file, as traces/vm/kernel.pin): it round-trips, an
// older plan has none (the pinned 6.1), and a folder's campaign is not resumed on another kernel.
TEST(CampaignConfig, TheKernelsPinFileIsPartOfThePlan) {
  CampaignConfig c;
  c.dir = (std::filesystem::temp_directory_path() /
           ("oopsim_campaign_pin_" + std::to_string(::getpid())))
              .string();
  c.kernel_pin = "traces/vm/kernel-6.12.pin";
  std::string error;
  CampaignConfig back;
  ASSERT_TRUE(parse_campaign_json(campaign_json(c), "campaign.json", back, error)) << error;
  EXPECT_EQ(back.kernel_pin, c.kernel_pin);
  nlohmann::json older = nlohmann::json::parse(campaign_json(c));
  older.erase("kernel_pin");
  ASSERT_TRUE(parse_campaign_json(older.dump(), "campaign.json", back, error)) << error;
  EXPECT_EQ(back.kernel_pin, "");
  ASSERT_TRUE(save_campaign(c, error)) << error;
  CampaignConfig other = c;
  other.kernel_pin = "";
  EXPECT_FALSE(save_campaign(other, error));
  EXPECT_NE(error.find("pin file"), std::string::npos) << error;
  std::filesystem::remove_all(c.dir);
}

// `only` keeps a chosen set of the plan's experiments (an earlier corpus's crashes, to capture
// them again), in the plan's order; an id outside the types x seeds is refused.
TEST(CampaignConfig, OnlyRunsTheListedExperimentsOfThePlan) {
  CampaignConfig c;
  c.seeds = 44;
  c.only = {"LOOP-s22", "BCOPY-s8", "NULL-s3"};
  std::vector<Experiment> plan = plan_campaign(c);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].id, "NULL-s3");  // seeds outer
  EXPECT_EQ(plan[1].id, "BCOPY-s8");
  EXPECT_EQ(plan[2].id, "LOOP-s22");
  EXPECT_EQ(plan[2].seed, 22u);
  std::string error;
  CampaignConfig back;
  ASSERT_TRUE(parse_campaign_json(campaign_json(c), "campaign.json", back, error)) << error;
  EXPECT_EQ(back.only, c.only);
  for (const char* bad : {"LOOP-s45", "LOOP-s0", "LOOP-s022", "FOO-s1", "LOOP", "null-s3"}) {
    c.only = {bad};
    EXPECT_FALSE(parse_campaign_json(campaign_json(c), "campaign.json", back, error)) << bad;
    EXPECT_NE(error.find("not an experiment of the plan"), std::string::npos) << error;
  }
  nlohmann::json older = nlohmann::json::parse(campaign_json(CampaignConfig{}));
  older.erase("only");  // campaigns before it: the whole plan
  ASSERT_TRUE(parse_campaign_json(older.dump(), "campaign.json", back, error)) << error;
  EXPECT_TRUE(back.only.empty());
}

// A module campaign names its modules in the plan (its functions are learned from coverage, so it
// draws from executed code only); plans from before modules read as vmlinux campaigns.
TEST(CampaignConfig, AModuleCampaignKeepsItsModulesAndDrawsFromExecutedCode) {
  CampaignConfig c;
  c.modules = {"ext4", "fat"};
  std::string error;
  CampaignConfig back;
  ASSERT_TRUE(parse_campaign_json(campaign_json(c), "campaign.json", back, error)) << error;
  EXPECT_EQ(back.modules, c.modules);
  c.sites = "all";
  EXPECT_FALSE(parse_campaign_json(campaign_json(c), "campaign.json", back, error));
  EXPECT_NE(error.find("sites must be executed"), std::string::npos) << error;
  nlohmann::json older = nlohmann::json::parse(campaign_json(CampaignConfig{}));
  older.erase("modules");
  ASSERT_TRUE(parse_campaign_json(older.dump(), "campaign.json", back, error)) << error;
  EXPECT_TRUE(back.modules.empty());
}

// Module functions are learned from the reference run's coverage: those of the chosen modules
// that ran, the most-executed first, named "module:function"; vmlinux and other modules' code
// is left out.
TEST(LearnedFunctions, ModuleFunctionsAreTheChosenModulesExecutedOnesMostExecutedFirst) {
  const std::string kallsyms =
      "ffffffff81000000 T vfs_read\n"
      "ffffffffc0288000 t vfat_hashi\t[vfat]\n"
      "ffffffffc0288090 t vfat_cmpi\t[vfat]\n"
      "ffffffffc0288140 t setup\t[vfat]\n"
      "ffffffffc028b024 r _note_10\t[vfat]\n"
      "ffffffffc0390000 t fat_get_cluster\t[fat]\n"
      "ffffffffc0400000 t ext4_map_blocks\t[ext4]\n";
  const std::string coverage =
      "# kernel instructions executed\n"
      "ffffffff81000004\n"
      "ffffffffc0288004\nffffffffc0288090\nffffffffc0288094\nffffffffc0288098\n"
      "ffffffffc0390010\nffffffffc0390014\n"
      "ffffffffc0400000\n";
  auto learned = learn_module_functions(coverage, kallsyms, {"vfat", "fat"});
  ASSERT_EQ(learned.size(), 3u);
  EXPECT_EQ(learned[0], (std::pair<std::string, std::size_t>{"vfat:vfat_cmpi", 3}));
  EXPECT_EQ(learned[1], (std::pair<std::string, std::size_t>{"fat:fat_get_cluster", 2}));
  EXPECT_EQ(learned[2], (std::pair<std::string, std::size_t>{"vfat:vfat_hashi", 1}));
}

}  // namespace
}  // namespace oopsim::traces
