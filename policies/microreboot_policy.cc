// microreboot (Otherworld, Depoutovitch & Stumm, EuroSys'10): the kernel reboots into a fresh
// instance and resurrects the processes. Every workload pauses for the reboot latency; kernel
// state and locks start afresh; the processes the fault reached (the faulting context and every
// reader of bad state) cannot be resurrected safely and are lost. An interrupt handler that oopsed
// on a task's CPU (the recorded preempt count) is not that task: the task was only interrupted, and
// is resurrected. Nothing of the old kernel's own contexts survives either, and nothing waits on
// them: the new kernel runs its own kernel threads and interrupt handlers, so those the fault
// reached come back, fresh, after the reboot, and a resurrected task whose request waited on one
// of them (a completion, a wakeup) has it served by the new kernel's. So has a wait on a context
// the reboot does not resurrect (replace_kernel: sim/rules/replaced_kernel_wakeups.cc). Default
// latency: the measured boot of the same kernel to /init in the VM (traces/vm/FACTS.md).
#include "models/cpu_state.h"
#include "policies/policy_params.h"
#include "policies/policy_registry.h"

namespace oopsim::policies {

namespace {

constexpr double kDefaultLatencySeconds = 2.8;

// The kernel's own contexts, which a reboot replaces rather than resurrects.
bool kernel_context(models::ContextKind k) {
  return k == models::ContextKind::kKernelThread || k == models::ContextKind::kHardIrq ||
         k == models::ContextKind::kSoftIrq;
}

class MicrorebootPolicy : public Policy {
 public:
  explicit MicrorebootPolicy(double latency) : latency_(latency) {}
  std::string_view name() const override { return "microreboot"; }
  void on_oops(const OopsView& oops, EngineActions& engine) override {
    bool handler = oops.first && oops.preempt_count && models::in_handler(*oops.preempt_count);
    for (models::ContextId id : engine.reached_contexts()) {
      if (handler && id == oops.context) continue;  // interrupted, not faulting
      if (engine.is_alive(id)) {
        engine.kill(id, "the fault reached it: not resurrected after the microreboot");
      }
    }
    if (!handler && engine.is_alive(oops.context))
      engine.kill(oops.context, "faulting context not resurrected");
    for (models::ContextId id : engine.contexts()) {
      for (models::LockId l : engine.locks_held_by(id)) {
        engine.release_lock(id, l, "the rebooted kernel starts with no lock held");
      }
    }
    engine.discard_all_state("the rebooted kernel starts with fresh state");
    engine.reload_kernel_text("the rebooted kernel is loaded from its image");
    engine.replace_kernel("microreboot");
    models::Ticks latency = to_ticks(latency_, engine.ticks_per_second());
    engine.pause_all(latency, "microreboot: processes resurrected in a fresh kernel");
    for (models::ContextId id : engine.contexts()) {
      if (engine.is_alive(id) || !kernel_context(engine.context(id).kind)) continue;
      engine.restart(id, latency, "the rebooted kernel runs its own, fresh");
    }
  }

 private:
  double latency_;
};

}  // namespace

PolicyInfo microreboot_policy_info() {
  return {
      "microreboot",
      "Otherworld-style: reboot the kernel, resurrect the processes the fault did not reach, "
      "all paused for the reboot [latency=2.8s]",
      [](const PolicyParams& p, std::string& error) -> std::unique_ptr<Policy> {
        double latency = 0;
        if (!duration_param("microreboot", p, "latency", kDefaultLatencySeconds, latency, error)) {
          return nullptr;
        }
        return std::make_unique<MicrorebootPolicy>(latency);
      }};
}

}  // namespace oopsim::policies
