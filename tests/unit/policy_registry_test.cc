#include "policies/policy_registry.h"

#include <gtest/gtest.h>

namespace oopsim::policies {
namespace {

TEST(PolicyRegistry, ListsBuiltinPoliciesInRegistrationOrder) {
  const auto& all = builtin_policies().all();
  std::vector<std::string> names;
  for (const auto& p : all) names.push_back(p.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"panic", "kill-faulty", "lock-release", "subsystem-restart",
                                      "microreboot", "request-rollback"}));
}

TEST(PolicyRegistry, CreatesByNameAndRejectsUnknownNames) {
  std::string error;
  auto p = builtin_policies().create("kill-faulty", error);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name(), "kill-faulty");
  EXPECT_FALSE(builtin_policies().create("reboot-everything", error));
  EXPECT_NE(error.find("unknown policy 'reboot-everything'"), std::string::npos);
}

TEST(PolicyRegistry, TakesALatencyParameterWithAUnit) {
  std::string error;
  EXPECT_TRUE(builtin_policies().create("subsystem-restart:latency=200ms", error)) << error;
  EXPECT_TRUE(builtin_policies().create("microreboot:latency=3s", error)) << error;
  EXPECT_FALSE(builtin_policies().create("microreboot:latency=3", error));
  EXPECT_NE(error.find("not a duration"), std::string::npos);
  EXPECT_FALSE(builtin_policies().create("subsystem-restart:delay=1s", error));
  EXPECT_NE(error.find("has no parameter 'delay'"), std::string::npos);
}

TEST(PolicyRegistry, RejectsParametersAPolicyDoesNotTake) {
  std::string error;
  EXPECT_FALSE(builtin_policies().create("panic:delay=5", error));
  EXPECT_NE(error.find("takes no parameters"), std::string::npos);
  EXPECT_FALSE(builtin_policies().create("panic:novalue", error));
  EXPECT_NE(error.find("not key=value"), std::string::npos);
}

}  // namespace
}  // namespace oopsim::policies
