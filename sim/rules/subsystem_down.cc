// A request that enters a subsystem while a restart has it down. Between unmounting (or unloading)
// and mounting again, the kernel has no instance of it: a system call that reaches it then fails
// (a path on the unmounted file system is not found, the sound device is gone), and the workload
// sees the error, unless it retries, in which case it waits until the subsystem is back. The
// policy says when it is down (EngineActions::take_down); a task in a system call that takes one
// of its locks then is the request.
#include <fmt/format.h>

#include <set>

#include "models/workload_model.h"
#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class SubsystemDown final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "subsystem-down"; }
  std::vector<std::string_view> scenarios() const override {
    return {"53_request_during_a_subsystem_restart_fails_or_waits"};
  }

  bool instead_of_take(ContextSim& c, const models::Event& e) override {
    const traces::TraceModel& m = replay_.model();
    const models::LockInfo& lock = m.locks[e.lock_ix];
    if (lock.subsystem.empty() || c.dead || c.syscall_depth == 0) return false;
    const models::ContextInfo& info = m.contexts[c.index];
    if (info.kind != models::ContextKind::kUserTask) return false;
    const Replay::DownWindow* down = replay_.down_at(lock.subsystem, replay_.now());
    if (down == nullptr || !entered_.insert({c.index, down->until}).second) return false;
    std::string why = fmt::format("{} is down ({}) when its request takes {}", lock.subsystem,
                                  down->why, lock.label());
    bool retries = false;
    for (const models::WorkloadInfo& w : m.workloads)
      retries = retries || (w.retries && models::needs_context(w, info));
    replay_.fail_request(info.id, why);
    if (retries) {  // it tries again once the subsystem is back: its later events wait
      c.resume_at = std::max(c.resume_at, down->until);
      replay_.note(
          fmt::format("{} tries again at {}", replay_.label(c.index), replay_.secs(down->until)));
    }
    return false;
  }

 private:
  std::set<std::pair<std::uint32_t, models::Ticks>> entered_;  // (context, window) seen once
};

}  // namespace

std::unique_ptr<Rule> make_subsystem_down(Replay& replay) {
  return std::make_unique<SubsystemDown>(replay);
}

}  // namespace oopsim::sim::rules
