#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sim/report.h"
#include "sim/report_summary.h"

namespace oopsim::sim {

namespace {

using json = nlohmann::ordered_json;

double seconds(models::Ticks t, std::uint64_t tps) {
  return static_cast<double>(t) / static_cast<double>(tps);
}

}  // namespace

std::string render_json(const std::vector<Prediction>& predictions, const ReportOptions& options) {
  json root;
  root["tool"] = "simrun";
  root["report_version"] = 2;    // 2: trace_id; fault.address a hex string (JS rounds 64 bits)
  root["deterministic"] = true;  // the engine makes no random choice; fault seeds are per trace
  json traces = json::array();
  for (const Prediction& p : predictions) {
    json t;
    t["trace"] = p.trace;
    t["trace_id"] = trace_id(p.trace);
    t["policy"] = p.policy;
    t["kernel_release"] = p.header.kernel_release;
    if (p.fault) {
      t["fault"] = {{"type", std::string(models::name(p.fault->type))},
                    {"site", p.fault->site()},
                    {"address", fmt::format("{:#x}", p.fault->address)},
                    {"seed", p.fault->seed}};
    } else {
      t["fault"] = nullptr;
    }
    t["crash"] = {{"time_s", seconds(p.crash_time, p.header.ticks_per_second)},
                  {"context", p.crash_context},
                  {"context_kind", p.crash_context_kind},
                  {"kind", std::string(models::name(p.crash_kind))},
                  {"function", p.crash_function}};
    t["scope"] = std::string(models::name(p.scope));
    t["scope_why"] = p.scope_why;
    json ws = json::array();
    for (const WorkloadPrediction& w : p.workloads) {
      json j;
      j["workload"] = w.workload;
      j["predicted"] = std::string(models::name(w.predicted.outcome));
      j["time_s"] = seconds(w.predicted.time, p.header.ticks_per_second);
      j["why"] = w.predicted.why;
      if (w.observed) {
        j["observed"] = std::string(models::name(w.observed->outcome));
        j["observed_detail"] = w.observed->detail;
        j["agree"] = w.observed->outcome == w.predicted.outcome;
      } else {
        j["observed"] = nullptr;
        j["observed_detail"] = nullptr;
        j["agree"] = nullptr;
      }
      ws.push_back(j);
    }
    t["workloads"] = ws;
    if (options.explain) t["explanation"] = p.explanation;
    t["stats"] = {{"events_replayed", p.events_replayed},
                  {"events_ignored_after_crash", p.events_ignored_after_crash},
                  {"events_dropped", p.events_dropped},
                  {"divergences", p.divergences}};
    traces.push_back(t);
  }
  root["traces"] = traces;
  ReportSummary s = summarize_predictions(predictions);
  json summary;
  summary["traces"] = s.traces;
  json policies = json::object();
  for (const std::string& name : s.policies) {
    const PolicySummary& ps = s.by_policy.at(name);
    json pj;
    json outcomes = json::object();
    for (models::Outcome o : models::kAllOutcomes) {
      outcomes[std::string(models::name(o))] = ps.outcomes.count(o) ? ps.outcomes.at(o) : 0;
    }
    pj["outcomes"] = outcomes;
    json reactions = json::object();
    for (models::Scope scope : models::kAllScopes) {
      json row = json::object();
      for (models::Outcome o : models::kAllOutcomes) {
        int n = 0;
        if (ps.reactions.count(scope) && ps.reactions.at(scope).count(o))
          n = ps.reactions.at(scope).at(o);
        row[std::string(models::name(o))] = n;
      }
      reactions[std::string(models::name(scope))] = row;
    }
    pj["reactions_by_scope"] = reactions;
    pj["compared"] = ps.compared;
    pj["agreed"] = ps.agreed;
    pj["agreement"] =
        ps.compared ? json(static_cast<double>(ps.agreed) / ps.compared) : json(nullptr);
    policies[name] = pj;
  }
  summary["policies"] = policies;
  json crashes = json::object();
  for (const auto& [type, by_scope] : s.crashes) {
    json row = json::object();
    for (models::Scope scope : models::kAllScopes) {
      row[std::string(models::name(scope))] = by_scope.count(scope) ? by_scope.at(scope) : 0;
    }
    crashes[std::string(models::name(type))] = row;
  }
  summary["crashes_by_fault_type"] = crashes;
  root["summary"] = summary;
  return root.dump(2) + "\n";
}

}  // namespace oopsim::sim
