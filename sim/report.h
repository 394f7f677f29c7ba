// simrun's outputs: a text table, JSON and CSV, all from the same predictions. Same predictions,
// same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/prediction.h"

namespace oopsim::sim {

struct ReportOptions {
  bool explain = false;  // print each prediction's causal chain
};

std::string render_table(const std::vector<Prediction>& predictions, const ReportOptions& options);
std::string render_json(const std::vector<Prediction>& predictions, const ReportOptions& options);
std::string render_csv(const std::vector<Prediction>& predictions);
// A trace's short id: its file name without folder and trace extensions ("PTR-s20").
std::string trace_id(std::string_view path);

}  // namespace oopsim::sim
