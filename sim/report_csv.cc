#include <fmt/format.h>

#include "sim/report.h"

namespace oopsim::sim {

namespace {

// RFC 4180: quote a field that has a comma, a quote or a line break; double the quotes.
std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string render_csv(const std::vector<Prediction>& predictions) {
  std::string out =
      "trace,policy,kernel_release,fault_type,fault_site,fault_seed,crash_context,crash_kind,"
      "scope,workload,predicted,time_s,observed,agree,why\n";
  for (const Prediction& p : predictions) {
    for (const WorkloadPrediction& w : p.workloads) {
      double t =
          static_cast<double>(w.predicted.time) / static_cast<double>(p.header.ticks_per_second);
      out += fmt::format(
          "{},{},{},{},{},{},{},{},{},{},{},{:.9f},{},{},{}\n", csv(p.trace), csv(p.policy),
          csv(p.header.kernel_release), p.fault ? models::name(p.fault->type) : "",
          p.fault ? csv(p.fault->site()) : "", p.fault ? std::to_string(p.fault->seed) : "",
          csv(p.crash_context), csv(models::name(p.crash_kind)), models::name(p.scope),
          csv(w.workload), models::name(w.predicted.outcome), t,
          w.observed ? std::string(models::name(w.observed->outcome)) : "",
          w.observed ? (w.observed->outcome == w.predicted.outcome ? "true" : "false") : "",
          csv(w.predicted.why));
    }
  }
  return out;
}

}  // namespace oopsim::sim
