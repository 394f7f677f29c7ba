#include "policies/policy_registry.h"

#include <gtest/gtest.h>

namespace oopsim::policies {
namespace {

TEST(PolicyRegistry, ListsBuiltinPoliciesInRegistrationOrder) {
  const auto& all = builtin_policies().all();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0].name, "panic");
  EXPECT_EQ(all[1].name, "kill-faulty");
}

TEST(PolicyRegistry, CreatesByNameAndRejectsUnknownNames) {
  std::string error;
  auto p = builtin_policies().create("kill-faulty", error);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name(), "kill-faulty");
  EXPECT_FALSE(builtin_policies().create("reboot-everything", error));
  EXPECT_NE(error.find("unknown policy 'reboot-everything'"), std::string::npos);
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
