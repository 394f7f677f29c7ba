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

// The trace's file name without its folder and trace extensions ("PTR-s20" for
// traces/corpus/traces/PTR-s20.pb.xz): a short id to group and join by.
std::string trace_id(std::string_view path) {
  std::string_view name = path.substr(path.find_last_of('/') + 1);
  for (std::string_view ext : {".xz", ".pb", ".trace.txt", ".trace"}) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext)
      name.remove_suffix(ext.size());
  }
  return std::string(name);
}

// One row per trace x policy x workload. Read it with pandas as
// pd.read_csv(f, keep_default_na=False, na_values=[""]) (or python/oopsim's load_simrun_csv):
// the fault type NULL is a name, which pandas' default NA strings would turn into NaN.
std::string render_csv(const std::vector<Prediction>& predictions) {
  std::string out =
      "trace_id,trace,policy,kernel_release,fault_type,fault_site,fault_seed,crash_context,"
      "crash_kind,crash_function,crash_time_s,scope,scope_why,workload,predicted,time_s,observed,"
      "agree,why,observed_detail\n";
  for (const Prediction& p : predictions) {
    double tps = static_cast<double>(p.header.ticks_per_second);
    for (const WorkloadPrediction& w : p.workloads) {
      double t = static_cast<double>(w.predicted.time) / tps;
      out += fmt::format(
          "{},{},{},{},{},{},{},{},{},{},{:.9f},{},{},{},{},{:.9f},{},{},{},{}\n",
          csv(trace_id(p.trace)), csv(p.trace), csv(p.policy), csv(p.header.kernel_release),
          p.fault ? models::name(p.fault->type) : "", p.fault ? csv(p.fault->site()) : "",
          p.fault ? std::to_string(p.fault->seed) : "", csv(p.crash_context),
          csv(models::name(p.crash_kind)), csv(p.crash_function),
          static_cast<double>(p.crash_time) / tps, models::name(p.scope), csv(p.scope_why),
          csv(w.workload), models::name(w.predicted.outcome), t,
          w.observed ? std::string(models::name(w.observed->outcome)) : "",
          w.observed ? (w.observed->outcome == w.predicted.outcome ? "true" : "false") : "",
          csv(w.predicted.why), w.observed ? csv(w.observed->detail) : "");
    }
  }
  return out;
}

}  // namespace oopsim::sim
