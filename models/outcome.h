// Outcome categories and error scope, as docs/outcomes.md defines them.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace oopsim::models {

// Order matters only for printing: the seed study's column order, then oopsim's new category.
enum class Outcome {
  kNotManifest,
  kDeadlock,
  kOopsAgain,
  kNoProc,
  kDetectError,
  kPanic,
  kSurvivedInconsistent,
};
inline constexpr std::array<Outcome, 7> kAllOutcomes = {
    Outcome::kNotManifest, Outcome::kDeadlock, Outcome::kOopsAgain,           Outcome::kNoProc,
    Outcome::kDetectError, Outcome::kPanic,    Outcome::kSurvivedInconsistent};

std::string_view name(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view text);
// Outcomes that stop the workload (the first in time decides; panic overrides everything).
bool stops_workload(Outcome outcome);

enum class Scope { kProcessLocal, kKernelGlobal };
inline constexpr std::array<Scope, 2> kAllScopes = {Scope::kProcessLocal, Scope::kKernelGlobal};
std::string_view name(Scope scope);

}  // namespace oopsim::models
