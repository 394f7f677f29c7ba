// A campaign's plan (campaign.json): sites from executed code by default, and a campaign written
// before that choice existed keeps drawing from all code when it is resumed.
#include "traces/campaign/campaign_config.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace oopsim::traces
