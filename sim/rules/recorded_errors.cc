// An error the trace recorded (a kernel message such as "EXT4-fs error", an error return) in a
// surviving context's continuation, once the fault is active: the kernel detected the error and
// told the context -> detect-error for its workloads.
#include <fmt/format.h>

#include "sim/replay.h"
#include "sim/rules/rules.h"

namespace oopsim::sim::rules {
namespace {

class RecordedErrors final : public Rule {
 public:
  using Rule::Rule;
  std::string_view name() const override { return "recorded-errors"; }
  std::vector<std::string_view> scenarios() const override {
    return {"44_recorded_error_in_the_continuation_detect_error"};
  }
  std::vector<models::EventType> events() const override { return {models::EventType::kError}; }

  void on_event(ContextSim& c, const models::Event& e) override {
    if (!replay_.activated()) return;
    std::string why = fmt::format("{} got an error{}", replay_.label(c.index),
                                  e.text.empty() ? "" : ": " + e.text);
    replay_.note(why);
    replay_.finding(c.index, models::Outcome::kDetectError, why, false);
  }
};

}  // namespace

std::unique_ptr<Rule> make_recorded_errors(Replay& replay) {
  return std::make_unique<RecordedErrors>(replay);
}

}  // namespace oopsim::sim::rules
