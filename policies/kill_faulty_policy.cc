// kill-faulty: Linux's default oops handling. The faulting context exits with its locks still
// held; init, interrupt and idle contexts cannot be killed, so the kernel panics instead.
#include "policies/no_params.h"
#include "policies/oops_kill.h"
#include "policies/policy_registry.h"

namespace oopsim::policies {

namespace {

class KillFaultyPolicy : public Policy {
 public:
  std::string_view name() const override { return "kill-faulty"; }
  void on_oops(const OopsView& oops, EngineActions& engine) override {
    std::vector<models::LockId> held = engine.locks_held_by(oops.context);
    std::string locks;
    for (models::LockId l : held) locks += (locks.empty() ? "" : ", ") + engine.lock(l).label();
    kill_or_panic(oops, engine,
                  held.empty() ? std::string("oops-kill; it held no lock")
                               : fmt::format("oops-kill with {} still held", locks));
  }
};

}  // namespace

PolicyInfo kill_faulty_policy_info() {
  return {"kill-faulty",
          "Linux's default: kill the faulting context, its locks stay held; panic in init, irq "
          "or idle context",
          [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
            if (!reject_params("kill-faulty", p, error)) return nullptr;
            return std::make_unique<KillFaultyPolicy>();
          }};
}

}  // namespace oopsim::policies
