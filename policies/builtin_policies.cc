// The built-in policies. Adding one: write policies/<name>_policy.cc with a PolicyInfo function,
// declare it below, and add one registration line.
#include "policies/policy_registry.h"

namespace oopsim::policies {

PolicyInfo panic_policy_info();
PolicyInfo kill_faulty_policy_info();
PolicyInfo lock_release_policy_info();
PolicyInfo subsystem_restart_policy_info();
PolicyInfo microreboot_policy_info();
PolicyInfo request_rollback_policy_info();

const PolicyRegistry& builtin_policies() {
  static const PolicyRegistry registry = [] {
    PolicyRegistry r;
    r.add(panic_policy_info());
    r.add(kill_faulty_policy_info());
    r.add(lock_release_policy_info());
    r.add(subsystem_restart_policy_info());
    r.add(microreboot_policy_info());
    r.add(request_rollback_policy_info());
    return r;
  }();
  return registry;
}

}  // namespace oopsim::policies
