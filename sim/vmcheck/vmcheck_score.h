// The score of live reruns: for each policy, predicted x observed over per-workload outcomes, the
// agreement, and every disagreement with both explanations.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/outcome.h"

namespace oopsim::sim {

// One workload of one trace under one policy.
struct CheckRow {
  std::string trace;
  std::string policy;
  std::string workload;
  models::Outcome predicted = models::Outcome::kNotManifest;
  std::string predicted_why;
  models::Outcome observed = models::Outcome::kNotManifest;
  std::string observed_why;
};

// One trace under one policy: the prediction and the live rerun.
struct CheckRun {
  std::string trace;
  std::string policy;
  bool rerun_ok = false;      // the rerun ran and crashed again
  std::string rerun_problem;  // why not (refused, did not crash, VM failed)
  std::string rerun_dir;
  // "" when the trace's prediction is scored; else what it was predicted from instead (the
  // rerun's own record, when another context crashed first in it).
  std::string predicted_from;
  double predict_seconds = 0;  // wall time of the prediction
  double rerun_seconds = 0;    // wall time of the live rerun
  std::vector<CheckRow> rows;
};

struct PolicyScore {
  std::string policy;
  std::map<std::pair<models::Outcome, models::Outcome>, int> matrix;  // (predicted, observed)
  int agree = 0, total = 0;
  int traces = 0, reruns_failed = 0;
  double predict_seconds = 0, rerun_seconds = 0;  // sums over the traces
  std::vector<CheckRow> disagreements;
};

std::vector<PolicyScore> score(const std::vector<CheckRun>& runs,
                               const std::vector<std::string>& policies);

std::string score_table(const std::vector<PolicyScore>& scores, const std::vector<CheckRun>& runs);
nlohmann::ordered_json score_json(const std::vector<PolicyScore>& scores,
                                  const std::vector<CheckRun>& runs);
std::string score_csv(const std::vector<CheckRun>& runs);

}  // namespace oopsim::sim
