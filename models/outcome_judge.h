// The judge: how what happened to a workload after the crash becomes its one outcome. Written
// once, used by both the live classifier (traces/import: what a real rerun did) and the engine's
// verdict (sim/: what the replay predicts), so the two can be compared (vmcheck's agreement).
#pragma once

#include <cstdint>
#include <vector>

#include "models/workload_model.h"

namespace oopsim::models {

// The finding that decides the outcome: a panic overrides everything (the earliest panic); else
// the earliest failure that stops the workload (a tie in time: the first recorded); else the
// earliest detected error; else the earliest read of possibly wrong state. nullptr: no finding
// decides (the workload's progress does: see progress_kept_coming).
const Finding* deciding_finding(const std::vector<Finding>& findings);

// Progress that keeps coming after the crash, when no failure was reported: the workload's count
// last rose at `last_rise` (time after the crash) and the golden run's at `golden_last_rise`,
// with at most `golden_max_gap` between its rises after the crash. It kept coming when, by the
// golden run's last rise, it had been silent for no more than twice that gap: work in flight at
// the crash can still report once or twice before the machine stalls, which is not a workload
// that keeps running. Times in any one unit.
bool progress_kept_coming(std::uint64_t last_rise, std::uint64_t golden_last_rise,
                          std::uint64_t golden_max_gap);

}  // namespace oopsim::models
