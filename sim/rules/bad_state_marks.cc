// State the crash leaves bad (the consistency model, models/consistency_model.h):
// - tainted: what the context that activated the fault wrote after the activation, until it
//   crashed (the error may be in it; the propagation graph records each write);
// - possibly inconsistent: what the locks the crashed context held guard (a critical section cut
//   short may have left it half-updated); not per-CPU data, which no lock guards.
// A recorded write (captured traces: its bytes, whether the fault-free run made the same write,
// whether the mutated function's code made it) taints only its bytes, and none when the
// fault-free run wrote the same value there or when other code made the store.
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

constexpr std::uint8_t kPerCpuRegion = trace::Object::PERCPU;

class BadStateMarks final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "bad-state-marks"; }
  std::vector<std::string_view> scenarios() const override {
    return {"08_ehash_pointer_taint_oops_again",
            "22_dq_data_lock_counter_lock_release_survived_inconsistent",
            "46_recorded_bytes_only_changed_writes_taint_what_they_wrote",
            "59_per_cpu_data_is_not_guarded_by_the_lock_its_writer_held"};
  }
  std::vector<models::EventType> events() const override {
    return {models::EventType::kObjectWrite};
  }

  void on_event(ContextSim& c, const models::Event& e) override {
    if (!replay_.activated() || replay_.crashed() || c.index != replay_.activator()) return;
    const models::ObjectInfo& obj = replay_.model().objects[e.object_ix];
    std::string why =
        fmt::format("{} wrote it after the fault's activation", replay_.label(c.index));
    if (e.access.harmless_write()) {
      // The fault-free run wrote the same bytes (the fault did not change them), or correct code
      // (not the mutated function's) made the store for the context.
    } else if (e.access.size != 0) {
      replay_.state().taint_bytes(e.object_ix, e.access.address, e.access.size, std::move(why));
    } else {
      replay_.state().taint(e.object_ix, std::move(why));
    }
    replay_.spread(c.index).writes(e.object_ix, obj.name, obj.owner != c.id);
  }

  void on_crash(ContextSim& c) override {
    const traces::TraceModel& m = replay_.model();
    for (const HeldLock& h : c.held) {
      for (std::uint32_t o : replay_.guarded_by(h.lock)) {
        // Per-CPU data is the CPU's, kept by preemption or interrupts being off, not by a lock:
        // the lock its writer held then (the recorded guard) does not guard it, and the next
        // context on that CPU rewrites it (the preempt count at every lock and interrupt).
        if (m.objects[o].region == kPerCpuRegion) continue;
        replay_.state().mark_possibly_inconsistent(
            o, fmt::format("guarded by {}, which {} held when it crashed", m.locks[h.lock].label(),
                           replay_.label(c.index)));
      }
    }
  }
};

}  // namespace

std::unique_ptr<Rule> make_bad_state_marks(Replay& replay) {
  return std::make_unique<BadStateMarks>(replay);
}

}  // namespace oopsim::sim::rules
