#include "models/outcome.h"

namespace oopsim::models {

std::string_view name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNotManifest:
      return "not-manifest";
    case Outcome::kDeadlock:
      return "deadlock";
    case Outcome::kOopsAgain:
      return "oops-again";
    case Outcome::kNoProc:
      return "no-proc";
    case Outcome::kDetectError:
      return "detect-error";
    case Outcome::kPanic:
      return "panic";
    case Outcome::kSurvivedInconsistent:
      return "survived-inconsistent";
  }
  return "?";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  for (Outcome o : kAllOutcomes) {
    if (name(o) == text) return o;
  }
  return std::nullopt;
}

bool stops_workload(Outcome outcome) {
  return outcome != Outcome::kNotManifest && outcome != Outcome::kSurvivedInconsistent &&
         outcome != Outcome::kDetectError;
}

std::string_view name(Scope scope) {
  return scope == Scope::kProcessLocal ? "process-local" : "kernel-global";
}

}  // namespace oopsim::models
