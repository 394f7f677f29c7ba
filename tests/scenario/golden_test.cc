// Golden scenarios: each hand-written trace in tests/golden states what it expects
//   # expect policy=kill-faulty workload=fs outcome=deadlock
//   # expect scope=process-local
// and the whole report (every built-in policy, with explanations) must equal
// tests/golden/expected/NAME.txt. OOPSIM_UPDATE_GOLDEN=1 rewrites the expected reports (review the
// diff before committing).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "policies/policy_registry.h"
#include "scenario_support.h"
#include "sim/report.h"

namespace oopsim::test {
namespace {

std::map<std::string, std::string> parse_fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    auto eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return out;
}

class GoldenScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenScenario, PredictsTheExpectedOutcomesAndReport) {
  const std::string path = GetParam();
  const std::string text = read_file(path);
  std::vector<std::string> expects = lines_starting(text, "# expect ");
  ASSERT_FALSE(expects.empty()) << path << " has no '# expect' lines";
  std::vector<sim::Prediction> predictions;
  for (const policies::PolicyInfo& info : policies::builtin_policies().all()) {
    const std::string& policy = info.name;
    sim::Prediction p;
    std::string error;
    ASSERT_TRUE(predict(path, policy, p, &error)) << error;
    p.trace = std::filesystem::path(path).filename().string();
    predictions.push_back(std::move(p));
  }
  int checked = 0;
  for (const std::string& e : expects) {
    auto f = parse_fields(e);
    if (f.count("scope")) {
      for (const auto& p : predictions)
        EXPECT_EQ(models::name(p.scope), f["scope"]) << path << ": " << p.scope_why;
      ++checked;
      continue;
    }
    bool found = false;
    for (const auto& p : predictions) {
      if (p.policy != f["policy"]) continue;
      for (const auto& w : p.workloads) {
        if (w.workload != f["workload"]) continue;
        found = true;
        EXPECT_EQ(models::name(w.predicted.outcome), f["outcome"])
            << path << ": policy " << p.policy << ", workload " << w.workload << ": "
            << w.predicted.why;
      }
    }
    EXPECT_TRUE(found) << path << ": no prediction for '" << e << "'";
    ++checked;
  }
  EXPECT_GT(checked, 0);
  sim::ReportOptions options;
  options.explain = true;
  std::string report = sim::render_table(predictions, options);
  std::filesystem::path expected = std::filesystem::path(path).parent_path() / "expected" /
                                   (std::filesystem::path(path).stem().stem().string() + ".txt");
  if (std::getenv("OOPSIM_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(expected.parent_path());
    write_file(expected.string(), report);
  }
  ASSERT_TRUE(std::filesystem::exists(expected))
      << expected << " missing; run with OOPSIM_UPDATE_GOLDEN=1";
  EXPECT_EQ(report, read_file(expected.string())) << "report differs from " << expected;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenScenario, ::testing::ValuesIn(scenario_files("golden")),
                         scenario_test_name);

TEST(GoldenCoverage, EveryOutcomeCategoryIsExpectedUnderKillFaulty) {
  std::map<std::string, int> seen;
  for (const std::string& path : scenario_files("golden")) {
    for (const std::string& e : lines_starting(read_file(path), "# expect ")) {
      auto f = parse_fields(e);
      if (f["policy"] == "kill-faulty") ++seen[f["outcome"]];
    }
  }
  for (models::Outcome o : models::kAllOutcomes) {
    EXPECT_GT(seen[std::string(models::name(o))], 0)
        << "no golden scenario expects " << models::name(o);
  }
  EXPECT_GE(scenario_files("golden").size(), 12u);
}

}  // namespace
}  // namespace oopsim::test
