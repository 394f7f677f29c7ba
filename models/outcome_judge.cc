#include "models/outcome_judge.h"

namespace oopsim::models {

namespace {

const Finding* earliest(const std::vector<Finding>& findings, Outcome wanted) {
  const Finding* first = nullptr;
  for (const Finding& f : findings) {
    if (f.outcome == wanted && (first == nullptr || f.time < first->time)) first = &f;
  }
  return first;
}

}  // namespace

const Finding* deciding_finding(const std::vector<Finding>& findings) {
  if (const Finding* p = earliest(findings, Outcome::kPanic)) return p;
  const Finding* best = nullptr;
  for (const Finding& f : findings) {
    if (!stops_workload(f.outcome)) continue;
    if (best == nullptr || f.time < best->time) best = &f;  // ties: the first recorded
  }
  if (best != nullptr) return best;
  if (const Finding* e = earliest(findings, Outcome::kDetectError)) return e;
  return earliest(findings, Outcome::kSurvivedInconsistent);
}

bool progress_kept_coming(std::uint64_t last_rise, std::uint64_t golden_last_rise,
                          std::uint64_t golden_max_gap) {
  return last_rise + 2 * golden_max_gap >= golden_last_rise;
}

}  // namespace oopsim::models
