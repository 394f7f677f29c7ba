// Spinning waiters keep their CPU (preemption is off while they spin). When contexts that spin
// forever (stuck by the crash) take every CPU, nothing else runs from then on: a soft lockup of
// the whole machine, from when the last CPU was taken.
#include <fmt/format.h>

#include <algorithm>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class AllCpusSpin final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "all-cpus-spin"; }
  std::vector<std::string_view> scenarios() const override {
    return {"32_every_cpu_spins_on_dead_holders_lock_system_stalls"};
  }

  std::optional<Stall> stall(const WaitForGraph& g) override {
    const traces::TraceModel& m = replay_.model();
    std::uint32_t cpus = m.header.cpus;
    std::vector<std::pair<models::Ticks, std::uint32_t>> spinners;
    for (const ContextSim* c : spinning_for_good(replay_, g))
      spinners.emplace_back(c->wait_since, c->index);
    if (cpus == 0 || spinners.size() < cpus) return std::nullopt;
    std::sort(spinners.begin(), spinners.end());
    models::Ticks since = spinners[cpus - 1].first;
    std::string who;
    for (std::uint32_t i = 0; i < cpus; ++i) {
      const ContextSim& s = *replay_.peek(spinners[i].second);
      who += fmt::format("{}{} on {}", i == 0 ? "" : ", ", replay_.label(s.index),
                         m.locks[s.wait_lock].label());
    }
    return Stall{since, fmt::format("all {} CPUs spin forever with preemption off from {} ({}): "
                                    "nothing else runs -> soft lockup",
                                    cpus, replay_.secs(since), who)};
  }
};

}  // namespace

std::vector<const ContextSim*> spinning_for_good(const Replay& replay, const WaitForGraph& g) {
  const traces::TraceModel& m = replay.model();
  std::vector<const ContextSim*> out;
  for (const auto& c : replay.states()) {
    if (!c || c->dead || c->state != NodeState::kWaitingLock) continue;
    if (!models::waiters_spin(m.locks[c->wait_lock].kind)) continue;
    if (stuck_by_crash(g.analyze(c->index))) out.push_back(c.get());
  }
  return out;
}

std::unique_ptr<Rule> make_all_cpus_spin(Replay& replay) {
  return std::make_unique<AllCpusSpin>(replay);
}

}  // namespace oopsim::sim::rules
