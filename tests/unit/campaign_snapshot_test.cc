// A campaign's snapshot (what a long campaign commits after each session) reads back as the
// campaign folder does, and the early stops are part of the plan.
#include "traces/campaign/campaign_snapshot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "traces/campaign/campaign_config.h"
#include "traces/campaign/campaign_figures.h"
#include "traces/campaign/campaign_index.h"
#include "traces/format/file_text.h"

namespace oopsim::traces {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("oopsim_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

TEST(CampaignSnapshot, ReadsBackAsTheCampaignFolderAndLeavesTheMachineOut) {
  fs::path dir = temp_dir("snapcampaign"), to = temp_dir("snapshot");
  CampaignConfig c;
  c.dir = dir.string();
  c.types = {"BRANCH", "NULL"};
  c.seeds = 2;
  c.stop_quiet = 2;
  c.repo = "/somewhere/oopsim";
  std::string error;
  ASSERT_TRUE(save_campaign(c, error)) << error;
  fs::create_directories(dir / "results");
  nlohmann::ordered_json crash = {{"id", "NULL-s1"},
                                  {"type", "NULL"},
                                  {"seed", 1},
                                  {"activated", true},
                                  {"crashed", true},
                                  {"scope", "process-local"},
                                  {"observed", {{"ext4", "no-proc"}}},
                                  {"seconds", 10.2},
                                  {"finished_at", 1000},
                                  {"worker", "host.42"}};
  nlohmann::ordered_json quiet = {{"id", "BRANCH-s1"}, {"type", "BRANCH"},   {"seed", 1},
                                  {"activated", true}, {"crashed", false},   {"observed", {}},
                                  {"seconds", 3.2},    {"finished_at", 1004}};
  ASSERT_TRUE(write_atomically((dir / "results" / "NULL-s1.json").string(), crash.dump()));
  ASSERT_TRUE(write_atomically((dir / "results" / "BRANCH-s1.json").string(), quiet.dump()));
  std::ostringstream out, err;
  ASSERT_EQ(snapshot_campaign(dir.string(), to.string(), out, err), 0) << err.str();
  EXPECT_NE(out.str().find("2 results (1 crashes) of 4 planned"), std::string::npos) << out.str();

  auto from_dir = read_results(dir.string());
  auto from_snapshot = read_results(to.string());
  ASSERT_EQ(from_snapshot.size(), 2u);
  EXPECT_EQ(from_snapshot[1]["id"], "NULL-s1");
  EXPECT_FALSE(from_snapshot[1].contains("worker"));
  from_dir[1].erase("worker");
  EXPECT_EQ(from_snapshot, from_dir);
  EXPECT_EQ(campaign_figures(to.string()), campaign_figures(dir.string()));
  // The seed's tables with totals and shares beside its own.
  std::string figures = campaign_figures(to.string());
  EXPECT_NE(figures.find("Process-local: 1 of 1 crashes (100.0%) | seed study: 98 of 134 (73.1%)"),
            std::string::npos)
      << figures;
  EXPECT_NE(figures.find("| process-local | 0.0% \\| 67.8% | 0.0% \\| 28.5% | 0.0% \\| 0.0% | "
                         "100.0% \\| 2.2% |"),
            std::string::npos)
      << figures;
  // Both at once count each result.
  EXPECT_NE(campaign_figures(std::vector<std::string>{to.string(), dir.string()}).find("| 4 |"),
            std::string::npos);

  std::string plan;
  ASSERT_TRUE(read_file_text(to / "campaign.json", plan));
  EXPECT_EQ(plan.find("/somewhere"), std::string::npos) << plan;
  CampaignConfig back;
  ASSERT_TRUE(parse_campaign_json(plan, "campaign.json", back, error)) << error;
  EXPECT_EQ(back.stop_quiet, 2);
  EXPECT_EQ(back.activation_wait, 0);
  fs::remove_all(dir);
  fs::remove_all(to);
}

TEST(CampaignSnapshot, TheEarlyStopsArePartOfThePlan) {
  fs::path dir = temp_dir("snapplan");
  CampaignConfig c;
  c.dir = dir.string();
  c.types = {"BRANCH"};
  std::string error;
  ASSERT_TRUE(save_campaign(c, error)) << error;
  c.stop_quiet = 2;  // the same experiments run another way: another plan
  EXPECT_FALSE(save_campaign(c, error));
  EXPECT_NE(error.find("early stops"), std::string::npos) << error;
  fs::remove_all(dir);
}

TEST(CampaignSnapshot, ANegativeEarlyStopIsRefused) {
  CampaignConfig c;
  nlohmann::json j = nlohmann::json::parse(campaign_json(c));
  j["stop_quiet"] = -1;
  CampaignConfig back;
  std::string error;
  EXPECT_FALSE(parse_campaign_json(j.dump(), "campaign.json", back, error));
  EXPECT_NE(error.find("stop_quiet"), std::string::npos) << error;
}

}  // namespace
}  // namespace oopsim::traces
