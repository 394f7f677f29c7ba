// No peeking: the prediction never depends on what really happened after the crash (the injected
// run's own events after its first oops) nor on the observed outcomes. Change them; the
// prediction stays byte for byte the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "policies/policy_registry.h"
#include "scenario_support.h"
#include "sim/report.h"

namespace oopsim::test {
namespace {

// Drops the injected events after the first oops, and rotates every observed outcome.
std::string tamper(const std::string& text, bool& changed) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  bool injected = false, crashed = false;
  const std::vector<std::string> outcomes = {
      "not-manifest", "deadlock", "oops-again",           "no-proc",
      "detect-error", "panic",    "survived-inconsistent"};
  while (std::getline(in, line)) {
    if (line.rfind("section kind=injected", 0) == 0) injected = true;
    if (line.rfind("section kind=golden", 0) == 0) injected = false;
    if (injected && crashed && line.rfind("event ", 0) == 0) {
      changed = true;
      continue;
    }
    if (injected && line.rfind("event ", 0) == 0 && line.find("type=oops") != std::string::npos)
      crashed = true;
    if (line.rfind("observed ", 0) == 0) {
      for (std::size_t i = 0; i < outcomes.size(); ++i) {
        std::string key = "outcome=" + outcomes[i];
        auto at = line.find(key);
        if (at != std::string::npos &&
            (at + key.size() == line.size() || line[at + key.size()] == ' ')) {
          line.replace(at, key.size(), "outcome=" + outcomes[(i + 3) % outcomes.size()]);
          changed = true;
          break;
        }
      }
    }
    out << line << "\n";
  }
  return out.str();
}

std::string prediction_only(sim::Prediction p) {
  p.trace = "x";
  p.events_ignored_after_crash = 0;
  for (auto& w : p.workloads) w.observed.reset();
  sim::ReportOptions o;
  o.explain = true;
  return sim::render_json({p}, o);
}

TEST(NoPeeking, ChangingWhatHappenedAfterTheCrashChangesNoPrediction) {
  int tampered = 0;
  for (const std::string& path : scenario_files("golden")) {
    bool changed = false;
    std::string modified = tamper(read_file(path), changed);
    if (!changed) continue;
    ++tampered;
    std::string copy = (std::filesystem::temp_directory_path() / "oopsim_peek.trace.txt").string();
    write_file(copy, modified);
    for (const policies::PolicyInfo& info : policies::builtin_policies().all()) {
      const std::string& policy = info.name;
      sim::Prediction a, b;
      std::string error;
      ASSERT_TRUE(predict(path, policy, a, &error)) << error;
      ASSERT_TRUE(predict(copy, policy, b, &error)) << path << ": tampered copy: " << error;
      EXPECT_EQ(prediction_only(a), prediction_only(b)) << path << " under " << policy;
    }
  }
  EXPECT_GE(tampered, 5)
      << "too few scenarios have post-crash events or observed outcomes to tamper with";
}

}  // namespace
}  // namespace oopsim::test
