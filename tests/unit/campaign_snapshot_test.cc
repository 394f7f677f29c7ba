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

TEST(CampaignSnapshot, RestoresIntoAFolderThatResumesTheSamePlan) {
  fs::path dir = temp_dir("restcampaign"), snap = temp_dir("restsnapshot"),
           back = temp_dir("restored");
  fs::remove_all(back);
  CampaignConfig c;
  c.dir = dir.string();
  c.types = {"NULL"};
  c.seeds = 3;
  c.activation_wait = 6;
  c.repo = "/somewhere/oopsim";
  std::string error;
  ASSERT_TRUE(save_campaign(c, error)) << error;
  fs::create_directories(dir / "results");
  ASSERT_TRUE(write_atomically((dir / "functions.txt").string(), "do_nanosleep 12\n"));
  ASSERT_TRUE(write_atomically((dir / "coverage.txt").string(), "ffffffff81000000 1\n"));
  nlohmann::ordered_json crash = {{"id", "NULL-s2"}, {"type", "NULL"}, {"seed", 2},
                                  {"crashed", true}, {"seconds", 9.5}, {"worker", "host.7"}};
  ASSERT_TRUE(write_atomically((dir / "results" / "NULL-s2.json").string(), crash.dump()));
  std::ostringstream out, err;
  ASSERT_EQ(snapshot_campaign(dir.string(), snap.string(), out, err), 0) << err.str();
  ASSERT_EQ(restore_campaign(snap.string(), back.string(), out, err), 0) << err.str();
  EXPECT_NE(out.str().find("1 results restored"), std::string::npos) << out.str();

  std::string text;
  ASSERT_TRUE(read_file_text(back / "functions.txt", text));
  EXPECT_EQ(text, "do_nanosleep 12\n");
  ASSERT_TRUE(read_file_text(back / "coverage.txt", text));  // unpacked from coverage.txt.xz
  EXPECT_EQ(text, "ffffffff81000000 1\n");
  auto restored = read_results(back.string());
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0]["id"], "NULL-s2");
  EXPECT_EQ(restored[0]["seconds"], 9.5);
  // The same plan: a run there with the plan's flags is accepted (another plan is refused).
  c.dir = back.string();
  c.repo = "/elsewhere";
  EXPECT_TRUE(save_campaign(c, error)) << error;
  c.seeds = 4;
  EXPECT_FALSE(save_campaign(c, error));
  // Restoring again keeps what is there and writes nothing twice.
  std::ostringstream again;
  ASSERT_EQ(restore_campaign(snap.string(), back.string(), again, err), 0) << err.str();
  EXPECT_NE(again.str().find("0 results restored"), std::string::npos) << again.str();
  fs::remove_all(dir);
  fs::remove_all(snap);
  fs::remove_all(back);
}

TEST(CampaignSnapshot, RestoreRefusesABadLineWithItsNumberAndAMissingSnapshot) {
  fs::path snap = temp_dir("badsnapshot"), back = temp_dir("badrestored");
  CampaignConfig c;
  ASSERT_TRUE(write_atomically((snap / "campaign.json").string(), campaign_json(c)));
  ASSERT_TRUE(write_atomically((snap / "results.jsonl").string(), "{\"id\":\"NULL-s1\"}\n[1,2]\n"));
  std::ostringstream out, err;
  EXPECT_EQ(restore_campaign(snap.string(), back.string(), out, err), 65);
  EXPECT_NE(err.str().find("results.jsonl:2: not a result"), std::string::npos) << err.str();
  std::ostringstream err2;
  EXPECT_EQ(restore_campaign((snap / "nothing").string(), back.string(), out, err2), 66);
  EXPECT_NE(err2.str().find("no snapshot"), std::string::npos) << err2.str();
  fs::remove_all(snap);
  fs::remove_all(back);
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
