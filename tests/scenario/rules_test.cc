// The kernel rules (sim/rule.h): each has a unique name and names the golden scenarios that show
// it, and those scenarios exist.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "policies/policy_registry.h"
#include "scenario_support.h"
#include "sim/replay.h"
#include "traces/format/packet_source.h"

namespace oopsim::test {
namespace {

TEST(KernelRules, EachHasAUniqueNameAndNamesGoldenScenariosThatExist) {
  std::string golden = source_dir() + "/tests/golden/";
  traces::TraceError te;
  auto src = traces::open_trace(golden + "01_set_fs_pwd_fs_lock_soft_lockup.trace.txt", te);
  ASSERT_TRUE(src) << te.message();
  traces::TraceReader reader(std::move(src));
  std::string why;
  auto policy = policies::builtin_policies().create("kill-faulty", why);
  ASSERT_TRUE(policy) << why;
  sim::EngineConfig config;
  sim::Replay replay(config, reader, *policy, "kill-faulty");
  ASSERT_GE(replay.rules().size(), 10u);
  std::set<std::string_view> names;
  for (const auto& rule : replay.rules()) {
    EXPECT_TRUE(names.insert(rule->name()).second) << "two rules named " << rule->name();
    EXPECT_FALSE(rule->scenarios().empty()) << rule->name() << " names no golden scenario";
    for (std::string_view s : rule->scenarios()) {
      EXPECT_TRUE(std::filesystem::exists(golden + std::string(s) + ".trace.txt"))
          << rule->name() << " names " << s << ", which is not in tests/golden";
    }
  }
}

}  // namespace
}  // namespace oopsim::test
