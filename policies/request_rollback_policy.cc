// request-rollback (FIRestarter, Bhat et al., and Recovery Domains, Lenharth et al., ASPLOS'09):
// the faulting system call's effects (locks taken, state written since it began) are rolled back
// and it returns an error; the process lives on. Outside a system call (kernel threads,
// interrupts, and an interrupt handler that oopsed on a task's CPU by the recorded preempt count)
// there is no request to roll back, and it falls back to kill-faulty.
#include "models/cpu_state.h"
#include "policies/no_params.h"
#include "policies/oops_kill.h"
#include "policies/policy_registry.h"

namespace oopsim::policies {

namespace {

class RequestRollbackPolicy : public Policy {
 public:
  std::string_view name() const override { return "request-rollback"; }
  void on_oops(const OopsView& oops, EngineActions& engine) override {
    if (panics_without_oops(oops, engine)) return;
    const models::ContextInfo& ctx = engine.context(oops.context);
    bool in_handler = oops.preempt_count && models::in_handler(*oops.preempt_count);
    if (ctx.kind == models::ContextKind::kUserTask && !in_handler &&
        engine.in_syscall(oops.context) &&
        engine.rollback_request(oops.context,
                                fmt::format("the system call that oopsed ({}) fails",
                                            oops.function.empty() ? "?" : oops.function))) {
      return;
    }
    kill_or_panic(oops, engine, "no system call to roll back: oops-kill");
  }
};

}  // namespace

PolicyInfo request_rollback_policy_info() {
  return {"request-rollback",
          "roll back the faulting system call (its locks and writes) and return an error; "
          "kill-faulty outside a system call",
          [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
            if (!reject_params("request-rollback", p, error)) return nullptr;
            return std::make_unique<RequestRollbackPolicy>();
          }};
}

}  // namespace oopsim::policies
