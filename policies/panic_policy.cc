// panic: panic_on_oops=1. Every oops stops the kernel.
#include "policies/no_params.h"
#include "policies/policy_registry.h"

namespace oopsim::policies {

namespace {

class PanicPolicy : public Policy {
 public:
  std::string_view name() const override { return "panic"; }
  void on_oops(const OopsView& oops, EngineActions& engine) override {
    engine.panic(fmt::format("panic_on_oops: the oops in {} stops the kernel",
                             engine.context(oops.context).label()));
  }
};

}  // namespace

PolicyInfo panic_policy_info() {
  return {"panic", "panic_on_oops=1: every oops panics the kernel",
          [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
            if (!reject_params("panic", p, error)) return nullptr;
            return std::make_unique<PanicPolicy>();
          }};
}

}  // namespace oopsim::policies
