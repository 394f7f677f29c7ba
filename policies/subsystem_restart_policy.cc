// subsystem-restart: kill the faulting context and release every lock it held (the live recovery
// module does so in this mode as in lock-release: traces/vm/recover/recover_main.c), reset its
// subsystem (its locks released, state discarded, contexts inside it get an error return), and
// restart the subsystem's kernel threads after the restart latency. The default latency is a
// measured module unload + reload in the VM (README, "Policies").
#include <fmt/format.h>
#include "models/subsystem_rules.h"

#include "policies/oops_kill.h"
#include "policies/policy_params.h"
#include "policies/policy_registry.h"

namespace oopsim::policies {

namespace {

constexpr double kDefaultLatencySeconds = 0.2;  // vfat+fat restart, measured (README)

class SubsystemRestartPolicy : public Policy {
 public:
  explicit SubsystemRestartPolicy(double latency) : latency_(latency) {}
  std::string_view name() const override { return "subsystem-restart"; }
  void on_oops(const OopsView& oops, EngineActions& engine) override {
    const models::ContextInfo& ctx = engine.context(oops.context);
    std::string subsystem = models::SubsystemRules::builtin().for_fault(
        oops.first ? engine.fault() : nullptr, oops.function);
    if (!kill_and_release(oops, engine, "subsystem-restart")) return;
    if (subsystem.empty()) {
      engine.note("no subsystem known for the crash: nothing to restart (as kill-faulty)");
      return;
    }
    engine.reset_subsystem(subsystem,
                           fmt::format("the oops in {} is in {}", ctx.label(), subsystem));
    models::Ticks delay = to_ticks(latency_, engine.ticks_per_second());
    for (models::ContextId id : engine.contexts()) {
      const models::ContextInfo& c = engine.context(id);
      if (c.kind == models::ContextKind::kKernelThread && c.subsystem == subsystem &&
          !engine.is_alive(id)) {
        engine.restart(id, delay, fmt::format("{} kernel thread restarted", subsystem));
      }
    }
  }

 private:
  double latency_;
};

}  // namespace

PolicyInfo subsystem_restart_policy_info() {
  return {"subsystem-restart",
          "lock-release, then reset the faulting subsystem (its locks released, state "
          "discarded, users get an error) and restart its kernel threads [latency=200ms]",
          [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
            double latency = 0;
            if (!duration_param("subsystem-restart", p, "latency", kDefaultLatencySeconds, latency,
                                error)) {
              return nullptr;
            }
            return std::make_unique<SubsystemRestartPolicy>(latency);
          }};
}

}  // namespace oopsim::policies
