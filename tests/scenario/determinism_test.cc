// Same input, same bytes out: simrun twice over the golden scenarios, and the binary form of a
// trace predicts exactly what its text form does.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "policies/policy_registry.h"
#include "scenario_support.h"
#include "sim/report.h"
#include "sim/simrun_app.h"
#include "traces/simtrace/simtrace_app.h"

namespace oopsim::test {
namespace {

std::string simrun(const std::string& format, std::vector<std::string> policies = {"all"}) {
  sim::SimrunConfig c;
  c.policies = std::move(policies);
  c.format = format;
  c.explain = true;
  c.inputs = {source_dir() + "/tests/golden"};
  std::ostringstream out, err;
  EXPECT_EQ(sim::run_simrun(c, out, err), 0) << err.str();
  return out.str();
}

TEST(Determinism, SimrunTwiceGivesIdenticalBytes) {
  for (const std::string format : {"table", "json", "csv"}) {
    std::string a = simrun(format);
    std::string b = simrun(format);
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, b) << format;
  }
}

// Several policies read a trace recorded in memory once; one policy streams it from the file.
// Every row of each policy alone is a row of all policies together, and nothing else is.
TEST(Determinism, PoliciesOverARecordedTracePredictAsEachReadingTheFile) {
  auto rows = [](const std::string& csv) {
    std::multiset<std::string> out;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) out.insert(line);
    return out;
  };
  std::multiset<std::string> together = rows(simrun("csv")), alone;
  for (const policies::PolicyInfo& info : policies::builtin_policies().all()) {
    for (const std::string& row : rows(simrun("csv", {info.name}))) alone.insert(row);
  }
  EXPECT_GT(alone.size(), 100u);
  EXPECT_EQ(together, alone);
}

TEST(Determinism, BinaryAndTextFormsPredictTheSame) {
  for (const std::string& path : scenario_files("golden")) {
    std::string bin = (std::filesystem::temp_directory_path() / "oopsim_det.pb").string();
    traces::SimtraceConfig c;
    c.command = traces::SimtraceConfig::Command::kConvert;
    c.inputs = {path};
    c.output = bin;
    std::ostringstream out, err;
    ASSERT_EQ(traces::run_simtrace(c, out, err), 0) << err.str();
    for (const policies::PolicyInfo& info : policies::builtin_policies().all()) {
      const std::string& policy = info.name;
      sim::Prediction a, b;
      ASSERT_TRUE(predict(path, policy, a));
      ASSERT_TRUE(predict(bin, policy, b));
      a.trace = b.trace = "x";
      sim::ReportOptions o;
      o.explain = true;
      EXPECT_EQ(sim::render_json({a}, o), sim::render_json({b}, o)) << path;
    }
    // And back to text: the same packets, line for line.
    std::string txt = (std::filesystem::temp_directory_path() / "oopsim_det.trace.txt").string();
    c.inputs = {bin};
    c.output = txt;
    ASSERT_EQ(traces::run_simtrace(c, out, err), 0) << err.str();
    std::string bin2 = (std::filesystem::temp_directory_path() / "oopsim_det2.pb").string();
    c.inputs = {txt};
    c.output = bin2;
    ASSERT_EQ(traces::run_simtrace(c, out, err), 0) << err.str();
    EXPECT_EQ(read_file(bin), read_file(bin2))
        << path << ": binary -> text -> binary changed bytes";
  }
}

}  // namespace
}  // namespace oopsim::test
