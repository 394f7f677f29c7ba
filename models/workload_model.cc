#include "models/workload_model.h"

#include "models/outcome_judge.h"

#include <fmt/format.h>

#include <algorithm>

namespace oopsim::models {

bool requires_context(const WorkloadInfo& workload, ContextId context) {
  return std::find(workload.required.begin(), workload.required.end(), context) !=
         workload.required.end();
}

bool needs_context(const WorkloadInfo& workload, const ContextInfo& context) {
  return std::find(context.workloads.begin(), context.workloads.end(), workload.name) !=
             context.workloads.end() ||
         requires_context(workload, context.id);
}

void WorkloadVerdict::add(Finding finding) {
  findings_.push_back(std::move(finding));
}

void WorkloadVerdict::withdraw(Outcome outcome, Ticks after) {
  findings_.erase(
      std::remove_if(findings_.begin(), findings_.end(),
                     [&](const Finding& f) { return f.outcome == outcome && f.time > after; }),
      findings_.end());
}

void WorkloadVerdict::set_progress(std::uint64_t value, Ticks time) {
  if (rises_.empty() || value > rises_.back().first) rises_.emplace_back(value, time);
  progress_ = value;
  progress_time_ = time;
}

std::optional<Ticks> WorkloadVerdict::last_rise_by(Ticks to) const {
  std::optional<Ticks> last;
  for (const auto& [value, time] : rises_) {
    if (time <= to) last = time;
  }
  return last;
}

std::optional<Ticks> WorkloadVerdict::reached_at(std::uint64_t target) const {
  for (const auto& [value, time] : rises_) {
    if (value >= target) return time;
  }
  return std::nullopt;
}

Finding WorkloadVerdict::decide(std::uint64_t target) const {
  if (const Finding* f = deciding_finding(findings_)) return *f;
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
