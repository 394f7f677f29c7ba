// lock-release: kill the faulting context, then release every lock it held; waiters wake in
// order. What those locks guarded is then open to others while possibly half-updated.
// Not released: a handed-over spinlock (a runqueue lock). A context holding one died inside a
// context switch: its runqueue is left mid-switch, and letting others take the lock does not
// finish the switch (live, the CPU stays stuck with it; the recovery module leaves it too).
#include "policies/no_params.h"
#include "policies/oops_kill.h"
#include "policies/policy_registry.h"

namespace oopsim::policies {

namespace {

class LockReleasePolicy : public Policy {
 public:
  std::string_view name() const override { return "lock-release"; }
  void on_oops(const OopsView& oops, EngineActions& engine) override {
    kill_and_release(oops, engine, "lock-release");
  }
};

}  // namespace

PolicyInfo lock_release_policy_info() {
  return {"lock-release",
          "kill-faulty, then release every lock the dead context held (waiters wake in order)",
          [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
            if (!reject_params("lock-release", p, error)) return nullptr;
            return std::make_unique<LockReleasePolicy>();
          }};
}

}  // namespace oopsim::policies
