#include "models/workload_model.h"

#include <fmt/format.h>

namespace oopsim::models {

void WorkloadVerdict::add(Finding finding) {
  findings_.push_back(std::move(finding));
}

void WorkloadVerdict::set_progress(std::uint64_t value, Ticks time) {
  if (rises_.empty() || value > rises_.back().first) rises_.emplace_back(value, time);
  progress_ = value;
  progress_time_ = time;
}

bool WorkloadVerdict::rose_between(Ticks from, Ticks to) const {
  for (const auto& [value, time] : rises_) {
    if (time >= from && time <= to) return true;
  }
  return false;
}

std::optional<Ticks> WorkloadVerdict::reached_at(std::uint64_t target) const {
  for (const auto& [value, time] : rises_) {
    if (value >= target) return time;
  }
  return std::nullopt;
}

Finding WorkloadVerdict::decide(std::uint64_t target) const {
  const Finding* best = nullptr;
  auto earliest = [&](Outcome wanted) {
    const Finding* first = nullptr;
    for (const Finding& f : findings_) {
      if (f.outcome == wanted && (first == nullptr || f.time < first->time)) first = &f;
    }
    return first;
  };
  if (const Finding* p = earliest(Outcome::kPanic)) return *p;
  for (const Finding& f : findings_) {
    if (!stops_workload(f.outcome)) continue;
    if (best == nullptr || f.time < best->time) best = &f;  // ties: the first recorded
  }
  if (best != nullptr) return *best;
  if (const Finding* e = earliest(Outcome::kDetectError)) return *e;
  if (const Finding* s = earliest(Outcome::kSurvivedInconsistent)) return *s;
  Finding ok;
  ok.outcome = Outcome::kNotManifest;
  ok.time = progress_time_;
  if (target == 0) {
    ok.why = "no failure reached it";
  } else if (progress_ >= target) {
    ok.why = fmt::format("progress reached {} (target {}) with no failure", progress_, target);
  } else {
    ok.why =
        fmt::format("no failure reached it, but progress stopped at {} of {} when the trace ended",
                    progress_, target);
  }
  return ok;
}

}  // namespace oopsim::models
