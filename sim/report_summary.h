// Counts across predictions, shaped like the seed study's tables: reactions × scope, fault type ×
// scope, policy × outcome, and the agreement of predicted with observed outcomes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/prediction.h"

namespace oopsim::sim {

struct PolicySummary {
  std::string policy;
  // [scope][outcome] over workloads (the seed's "reactions").
  std::map<models::Scope, std::map<models::Outcome, int>> reactions;
  std::map<models::Outcome, int> outcomes;
  int compared = 0;  // workloads with an observed outcome
  int agreed = 0;
  // confusion[predicted][observed]
  std::map<models::Outcome, std::map<models::Outcome, int>> confusion;
};

struct ReportSummary {
  std::vector<std::string> policies;  // in the order given
  std::map<std::string, PolicySummary> by_policy;
  // Crashes (traces, counted once whatever the policies) by fault type × scope.
  std::map<models::FaultType, std::map<models::Scope, int>> crashes;
  int traces = 0;
  // The same split by where the fault is: "vmlinux" or "modules" (a fault in a module's text).
  std::map<std::string, std::map<std::string, PolicySummary>> by_code;      // [code][policy]
  std::map<std::string, std::map<models::FaultType, int>> crashes_by_code;  // [code][type]
};

ReportSummary summarize_predictions(const std::vector<Prediction>& predictions);

}  // namespace oopsim::sim
