// The workload model: what a workload needs, what counts as success, and how its one outcome is
// decided from the failures that reach it (docs/outcomes.md: the first stopping failure in time
// decides; a panic overrides everything).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/kernel_model.h"
#include "models/outcome.h"

namespace oopsim::models {

struct WorkloadInfo {
  std::string name;
  std::vector<ContextId> required;  // contexts (processes) it cannot do without
  std::string progress;             // name of its progress counter
  std::uint64_t target = 0;         // success: the counter reaches this value (0: no target)
  bool retries = false;             // it retries a failed request (an error return is not seen)
};

// Whether the workload cannot do without the context (it lists it as required).
bool requires_context(const WorkloadInfo& workload, ContextId context);
// Whether the workload needs the context: the context does its work, or the workload requires it.
bool needs_context(const WorkloadInfo& workload, const ContextInfo& context);

// One thing that happened to a workload, with the reason as a sentence.
struct Finding {
  Ticks time = 0;
  Outcome outcome = Outcome::kNotManifest;
  std::string why;
};

class WorkloadVerdict {
 public:
  explicit WorkloadVerdict(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  void add(Finding finding);
  // Removes the findings of `outcome` made after `after` (what a machine stalled by then could
  // not have done).
  void withdraw(Outcome outcome, Ticks after);
  void set_progress(std::uint64_t value, Ticks time);
  std::uint64_t progress() const { return progress_; }
  // When the counter first reached `target` (nullopt: never).
  std::optional<Ticks> reached_at(std::uint64_t target) const;
  // When the counter last grew at or before `to` (nullopt: never).
  std::optional<Ticks> last_rise_by(Ticks to) const;

  // The outcome: the finding the judge picks (models/outcome_judge.h), else not-manifest.
  // `target` 0 means there is no counter to reach.
  Finding decide(std::uint64_t target) const;
  const std::vector<Finding>& findings() const { return findings_; }

 private:
  std::string name_;
  std::vector<Finding> findings_;
  std::uint64_t progress_ = 0;
  Ticks progress_time_ = 0;
  std::vector<std::pair<std::uint64_t, Ticks>> rises_;  // (value, time) each time it grew
};

}  // namespace oopsim::models
