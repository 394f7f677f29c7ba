// simrun's outputs: a text table, JSON and CSV, all from the same predictions. Same predictions,
// same bytes.
#pragma once

#include <string>
#include <vector>

#include "sim/prediction.h"

namespace oopsim::sim {

struct ReportOptions {
  bool explain = false;  // print each prediction's causal chain
};

std::string render_table(const std::vector<Prediction>& predictions, const ReportOptions& options);
std::string render_json(const std::vector<Prediction>& predictions, const ReportOptions& options);
std::string render_csv(const std::vector<Prediction>& predictions);

}  // namespace oopsim::sim
