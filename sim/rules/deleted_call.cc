// The fault deleted a call to a lock primitive (its bytes are all no-ops), and the mutation stays
// in the kernel text after the crash. Every context that runs that site afterwards:
// - at a deleted take, goes on without the lock (the golden run's unlock of it is skipped);
// - at a deleted release, keeps the lock for good: its waiters are stuck, and a later take of it
//   by the same context waits on itself, forever (spins or sleeps as the lock's kind does).
// A hold taken before the crash in the function whose unlock call is deleted is kept for good as
// well, once the trace shows a release at the deleted call: that unlock never came.
#include <fmt/format.h>

#include "models/fault_model.h"
#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class DeletedCall final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "deleted-call"; }
  std::vector<std::string_view> scenarios() const override {
    return {"40_deleted_unlock_call_keeps_the_lock_for_good"};
  }

  bool instead_of_take(ContextSim& c, const models::Event& e) override {
    const models::FaultInfo* f = replay_.live_fault();
    if (f == nullptr || !at_deleted_call(e)) return false;
    const traces::TraceModel& m = replay_.model();
    replay_.skip_take(c, e.lock_ix,
                      fmt::format("{} runs {}, where the fault deleted the call that takes {}: it "
                                  "goes on without it",
                                  replay_.label(c.index), f->site(), m.locks[e.lock_ix].label()));
    return true;
  }

  bool retake(ContextSim& c, const models::Event& e) override {
    if (replay_.kept_hold(c, e.lock_ix) == nullptr) return false;
    const models::LockInfo& info = replay_.model().locks[e.lock_ix];
    replay_.note(fmt::format(
        "{} takes {} again, which it still holds (the fault deleted its unlock at {}): it {} on "
        "itself for good",
        replay_.label(c.index), info.label(), replay_.model().fault->site(),
        models::waiters_spin(info.kind) ? "spins" : "sleeps"));
    replay_.wait_for(c, e.lock_ix, e.mode, {c.index});
    return true;
  }

  bool instead_of_release(ContextSim& c, const models::Event& e) override {
    if (!at_deleted_call(e)) return false;
    release_seen_ = true;
    const models::FaultInfo* f = replay_.live_fault();
    if (f == nullptr) return false;
    for (HeldLock& h : c.held) {
      if (h.lock == e.lock_ix) h.kept = true;
    }
    if (c.noted_locks.insert(e.lock_ix).second) {
      replay_.note(fmt::format(
          "{} runs {}, where the fault deleted the call that releases {}: it keeps it for good",
          replay_.label(c.index), f->site(), replay_.model().locks[e.lock_ix].label()));
    }
    return true;
  }

  bool keeps_for_good(const ContextSim&, const HeldLock& h) const override {
    if (h.kept) return true;
    // Taken before the crash in the function whose unlock call the fault deleted: that unlock
    // never came, and never will.
    const traces::TraceModel& m = replay_.model();
    return release_seen_ && h.site_ix != models::Event::kNone && h.since <= replay_.crash_time() &&
           m.fault && m.sites[h.site_ix].function == m.fault->symbol;
  }

 private:
  // The fault deleted the call (to a lock primitive) this event's site returns from.
  bool at_deleted_call(const models::Event& e) const {
    const traces::TraceModel& m = replay_.model();
    if (e.site_ix == models::Event::kNone || !m.fault) return false;
    const traces::TraceModel::Site& site = m.sites[e.site_ix];
    return site.function == m.fault->symbol && m.fault->deletes_call_returning_to(site.offset);
  }

  bool release_seen_ = false;  // a release ran at the call the fault deleted
};

}  // namespace

std::unique_ptr<Rule> make_deleted_call(Replay& replay) {
  return std::make_unique<DeletedCall>(replay);
}

}  // namespace oopsim::sim::rules
