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

}  // namespace
}  // namespace oopsim::traces
