// After the crash, a context that runs the function whose text the fault mutated (a lock
// operation of that function shows it there) runs the faulty instruction again: it oopses again.
// - Recorded site runs (the fault's declaration) say which contexts reach the instruction at all.
// - A mutated condition (a deleted branch or NULL check, an off-by-one bound, a changed loop end)
//   goes wrong only for the data at which it comes out differently. The crash shows that the
//   faulty context's data does; another run of the same program, doing the same work on its own
//   instance, meets such data too, but a different program passes the instruction with other
//   data.
// - Straight-line order within the function: a mutated instruction at or after the call's return
//   address runs after the lock operation, one before it runs before. A fault that strikes at the
//   function's return comes after everything the function did: after its unlock.
// - The record's own path from the fault to the crash comes first: when the faulty context, after
//   activating the fault and within the same system call, did lock operations in the mutated
//   function before it oopsed (a wrong length or value that goes wrong only later, after the
//   unlock), a rerun oopses after the last of them too, not at the lock operation next to the
//   mutated instruction.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "models/fault_model.h"
#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

using models::EventType;

class MutatedCodeReruns final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "mutated-code-reruns"; }
  std::vector<std::string_view> scenarios() const override {
    return {"31_persistent_text_fault_second_context_runs_mutated_function",
            "33_var_fault_strikes_at_return_after_the_unlock",
            "41_recorded_site_runs_say_who_runs_the_mutated_instruction",
            "43_flipped_condition_strikes_only_the_faulty_program",
            "55_recorded_site_run_in_a_function_without_locks_oopses_again",
            "62_rerun_oopses_where_the_faulty_path_oopsed_after_its_unlock"};
  }

  // The faulty context's lock operations in the mutated function from its activation of the
  // fault to its oops (the injected run's record), read before any rerun replays.
  bool reads_record() const override { return true; }
  void on_read_event(traces::SectionKind section, const models::Event& e) override {
    if (section != traces::SectionKind::kInjected || path_done_) return;
    if (!activator_) {
      if (e.type == EventType::kFaultActivation) activator_ = e.context;
      return;
    }
    if (e.context != *activator_) return;
    if (e.type == EventType::kOops) {
      path_done_ = true;
      return;
    }
    if (e.type == EventType::kSyscallExit) {
      // It left the system call that ran the instruction first: the oops came on a later run
      // (a condition that goes wrong only for some data), and the path says nothing.
      path_done_ = true;
      crash_after_site_.reset();
      return;
    }
    const traces::TraceModel& m = replay_.model();
    if (e.site_ix == models::Event::kNone || !m.fault || e.lock_ix == models::Event::kNone) return;
    if (m.sites[e.site_ix].function == m.fault->symbol) crash_after_site_ = e.site_ix;
  }

  // A recorded run of the site itself (the QEMU plugin saw the context execute the instruction
  // in the fault-free run): the context executes the mutated instruction then. Untimed, its time
  // is the plugin's jiffies (one tick, 4 ms, on the trace's clock): while the context holds a
  // lock, where the run falls among its lock operations is not known, and the lock sites decide
  // instead. Timed (`site_runs_timed`: the guest's trace clock), the run is where it is, locks
  // held or not, and the lock sites guess nothing. Where the faulty path oopsed only after a
  // later lock operation in the function, the rerun oopses there too.
  std::vector<models::EventType> events() const override { return {EventType::kSiteRun}; }
  void on_event(ContextSim& c, const models::Event& e) override {
    if (e.type != EventType::kSiteRun || c.dead) return;
    const models::FaultInfo* f = replay_.live_fault();
    if (f == nullptr || f->after.empty() || !models::faults_where_it_runs(f->type) ||
        !strikes(c, *f) || (!f->site_runs_timed && !c.held.empty()))
      return;
    if (path_known()) {
      if (f->site_runs_timed) bound_.insert(c.index);
      return;
    }
    std::string why = fmt::format(
        "{} runs the mutated instruction at {} after the crash (a recorded run of the site{}): it "
        "oopses again",
        replay_.label(c.index), f->site(), f->site_runs_timed ? ", timed" : "");
    replay_.note(why);
    replay_.finding(c.index, models::Outcome::kOopsAgain, why, false);
    replay_.oops_again(c, models::OopsKind::kUnspecified, f->symbol);
  }

  bool before_lock_op(ContextSim& c, const models::Event& e) override {
    return runs_mutated_code(c, e, false);
  }
  void after_lock_op(ContextSim& c, const models::Event& e) override {
    runs_mutated_code(c, e, true);
  }

 private:
  // The faulty path's last lock operation in the mutated function, before its oops, is known.
  bool path_known() const { return path_done_ && crash_after_site_.has_value(); }

  // Whether running the mutated instruction goes wrong for `c`: always for a fault that goes
  // wrong on every run; a mutated condition only for the faulty program (its data).
  bool strikes(const ContextSim& c, const models::FaultInfo& f) const {
    const traces::TraceModel& m = replay_.model();
    std::uint32_t faulty = replay_.faulty();
    return models::faults_on_every_run(f.type) || faulty == UINT32_MAX ||
           m.contexts[c.index].comm == m.contexts[faulty].comm;
  }

  // Whether a context running the mutated function oopses at this lock operation (before it, or
  // after it when `op_done`).
  bool oopses_here(const models::FaultInfo& f, const traces::TraceModel::Site& site,
                   const models::Event& e, bool op_done) const {
    if (path_known()) return op_done && e.site_ix == *crash_after_site_;
    if (f.site_runs_timed) return false;  // the site runs say where it oopses
    bool at_return = models::faults_at_return(f.type);
    if (at_return && e.type != EventType::kLockRelease) return false;
    bool fault_after = at_return || (site.offset != 0 && f.offset >= site.offset);
    return fault_after == op_done;
  }

  // `op_done`: called after the lock operation (else before it).
  bool runs_mutated_code(ContextSim& c, const models::Event& e, bool op_done) {
    const models::FaultInfo* f = replay_.live_fault();
    if (f == nullptr || e.site_ix == models::Event::kNone || f->after.empty() ||
        !models::faults_where_it_runs(f->type)) {
      return false;
    }
    const traces::TraceModel& m = replay_.model();
    if (f->site_runs_recorded && std::find(f->site_run_contexts.begin(), f->site_run_contexts.end(),
                                           c.id) == f->site_run_contexts.end()) {
      return false;
    }
    const traces::TraceModel::Site& site = m.sites[e.site_ix];
    if (site.function != f->symbol) return false;
    if (!strikes(c, *f)) return false;
    if (f->site_runs_timed && !bound_.contains(c.index)) return false;
    if (!oopses_here(*f, site, e, op_done)) return false;
    std::string where =
        site.offset != 0 ? fmt::format("{}+{:#x}", site.function, site.offset) : site.function;
    std::string op =
        e.lock_ix == models::Event::kNone
            ? std::string("code")
            : fmt::format("{} {}", e.type == EventType::kLockRelease ? "releasing" : "taking",
                          m.locks[e.lock_ix].label());
    std::string why = fmt::format(
        "{} runs {} ({}), in the function whose text the fault mutated at {}, after the crash: it "
        "oopses again",
        replay_.label(c.index), where, op, f->site());
    replay_.note(why);
    replay_.finding(c.index, models::Outcome::kOopsAgain, why, false);
    replay_.oops_again(c, models::OopsKind::kUnspecified, f->symbol);
    return true;
  }

  std::optional<models::ContextId> activator_;
  std::optional<std::uint32_t> crash_after_site_;  // site index
  bool path_done_ = false;
  // Contexts with a timed run of the site that oops at their next lock operation at the faulty
  // path's last site (untimed runs leave it to the lock sites anyway).
  std::set<std::uint32_t> bound_;
};

}  // namespace

std::unique_ptr<Rule> make_mutated_code_reruns(Replay& replay) {
  return std::make_unique<MutatedCodeReruns>(replay);
}

}  // namespace oopsim::sim::rules
