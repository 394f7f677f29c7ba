// A context other than the one that activated the fault reads state the crash left bad; what
// follows depends on the object's class (models/state_classes.txt):
// - a pointer: it follows it and oopses (a paging fault) -> oops-again;
// - a checked structure (a checksum, a magic number): the check reports an error -> detect-error;
// - plain data: it goes on with a wrong value -> survived-inconsistent.
// Before the crash (the injected run's record, whose first oops is the crash) a pointer read did
// not oops: the reader went on, as with plain data.
// Each (object, reader) counts once; the read joins the propagation graph (the error's scope).
#include <fmt/format.h>

#include <set>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

using models::ObjectClass;
using models::Outcome;

class BadStateReads final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "bad-state-reads"; }
  std::vector<std::string_view> scenarios() const override {
    return {"08_ehash_pointer_taint_oops_again",
            "09_ext4_group_desc_checked_detect_error",
            "10_fat_free_clusters_plain_survived_inconsistent",
            "18_softirq_reads_tainted_qdisc_panic",
            "46_recorded_bytes_only_changed_writes_taint_what_they_wrote",
            "47_pointer_read_before_the_crash_went_on"};
  }
  std::vector<models::EventType> events() const override {
    return {models::EventType::kObjectRead};
  }

  void on_event(ContextSim& c, const models::Event& e) override {
    std::uint32_t o = e.object_ix;
    models::ConsistencyModel& state = replay_.state();
    bool bad = e.access.size != 0 ? state.bad_at(o, e.access.address, e.access.size) : state.bad(o);
    if (!bad || c.index == replay_.activator()) return;
    if (!reported_.insert({o, c.index}).second) return;
    const models::ObjectInfo& obj = replay_.model().objects[o];
    ObjectClass cls = replay_.object_class(o);
    // Before the crash the injected run is the record of what happened, and its first oops is
    // the crash: a reader of a bad pointer there did not oops, it went on with what it read.
    if (!replay_.crashed() && cls == ObjectClass::kPointer) cls = ObjectClass::kPlain;
    std::uint32_t faulty = replay_.faulty();
    replay_.spread(faulty != UINT32_MAX ? faulty : c.index)
        .reads(o, obj.name, obj.owner == 0, c.index, replay_.label(c.index));
    std::string left = fmt::format("{} ({})", models::name(state.mark(o)), state.why(o));
    std::string who = replay_.label(c.index);
    switch (cls) {
      case ObjectClass::kPointer: {
        std::string why = fmt::format("{} read {}, {} state left {}, and oopsed", who, obj.name,
                                      models::name(cls), left);
        replay_.note(why);
        replay_.finding(c.index, Outcome::kOopsAgain, why, false);
        replay_.oops_again(c, models::OopsKind::kPagingFault, "read of " + obj.name);
        return;
      }
      case ObjectClass::kChecked: {
        std::string why =
            fmt::format("{} read {}, a checked structure left {}: the check reports an error", who,
                        obj.name, left);
        replay_.note(why);
        replay_.finding(c.index, Outcome::kDetectError, why, false);
        return;
      }
      case ObjectClass::kPlain: {
        std::string why =
            fmt::format("{} read {}, plain data left {}, and went on with it", who, obj.name, left);
        replay_.note(why);
        replay_.finding(c.index, Outcome::kSurvivedInconsistent, why, false);
        return;
      }
    }
  }

 private:
  std::set<std::pair<std::uint32_t, std::uint32_t>> reported_;  // (object, context)
};

}  // namespace

std::unique_ptr<Rule> make_bad_state_reads(Replay& replay) {
  return std::make_unique<BadStateReads>(replay);
}

}  // namespace oopsim::sim::rules
