#include <fmt/format.h>

#include <algorithm>

#include "models/sim_time.h"
#include "sim/report.h"
#include "sim/report_summary.h"
#include "sim/text_table.h"

namespace oopsim::sim {

namespace {

std::string trace_heading(const Prediction& p) {
  std::string out = fmt::format("== {}\n", p.trace);
  if (p.fault) {
    out += fmt::format("   fault {} at {} (seed {}), kernel {}\n", models::name(p.fault->type),
                       p.fault->site(), p.fault->seed,
                       p.header.kernel_release.empty() ? "?" : p.header.kernel_release);
  }
  out += fmt::format("   crash: {} in {} by {} ({}) at {}\n", models::name(p.crash_kind),
                     p.crash_function.empty() ? "?" : p.crash_function, p.crash_context,
                     p.crash_context_kind,
                     models::format_seconds(p.crash_time, p.header.ticks_per_second));
  out += fmt::format("   scope: {}: {}\n", models::name(p.scope), p.scope_why);
  return out;
}

// For each workload whose predicted outcome depends on the policy: each outcome, the policies
// that lead to it, and why (in the words of the first of them).
std::string differences(const std::vector<Prediction>& predictions, std::size_t begin,
                        std::size_t end) {
  if (end - begin < 2) return "";
  std::string out;
  for (const WorkloadPrediction& w : predictions[begin].workloads) {
    std::vector<std::pair<models::Outcome, std::vector<std::size_t>>> groups;  // first-seen order
    for (std::size_t k = begin; k < end; ++k) {
      for (const WorkloadPrediction& x : predictions[k].workloads) {
        if (x.workload != w.workload) continue;
        auto g = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& e) { return e.first == x.predicted.outcome; });
        if (g == groups.end()) {
          groups.push_back({x.predicted.outcome, {k}});
        } else {
          g->second.push_back(k);
        }
      }
    }
    if (groups.size() < 2) continue;
    out += fmt::format("     {}\n", w.workload);
    for (const auto& [outcome, ks] : groups) {
      std::string names;
      for (std::size_t k : ks) names += (names.empty() ? "" : ", ") + predictions[k].policy;
      std::string why;
      for (const WorkloadPrediction& x : predictions[ks.front()].workloads) {
        if (x.workload == w.workload) why = x.predicted.why;
      }
      out += fmt::format("       {} under {}: {}\n", models::name(outcome), names, why);
    }
  }
  return out.empty() ? "" : "   where the policies differ:\n" + out;
}

std::string agreement(int agreed, int compared) {
  if (compared == 0) return "no observed outcomes";
  return fmt::format("{}/{} ({:.1f}%)", agreed, compared, 100.0 * agreed / compared);
}

// Policy x outcome over `by_policy`, with each policy's agreement.
std::string policy_outcome_table(const std::vector<std::string>& policies,
                                 const std::map<std::string, PolicySummary>& by_policy) {
  std::vector<std::string> h{"policy"};
  for (models::Outcome o : models::kAllOutcomes) h.emplace_back(models::name(o));
  h.emplace_back("agreement");
  TextTable pt(h);
  for (const std::string& policy : policies) {
    auto it = by_policy.find(policy);
    if (it == by_policy.end()) continue;
    const PolicySummary& ps = it->second;
    std::vector<std::string> row{policy};
    for (models::Outcome o : models::kAllOutcomes)
      row.push_back(std::to_string(ps.outcomes.count(o) ? ps.outcomes.at(o) : 0));
    row.push_back(agreement(ps.agreed, ps.compared));
    pt.add(row);
  }
  return pt.render();
}

// Crashes in vmlinux and in modules side by side: fault types, then policy x outcome for each.
std::string render_by_code(const ReportSummary& s) {
  std::string out = "\nCrashes by fault type x where the fault is (traces)\n";
  std::map<models::FaultType, int> types;
  for (const auto& [code, by_type] : s.crashes_by_code)
    for (const auto& [type, n] : by_type) types[type] += n;
  std::vector<std::string> header{"code"};
  for (const auto& [type, n] : types) header.emplace_back(models::name(type));
  header.emplace_back("total");
  TextTable t(header);
  for (const char* code : {"vmlinux", "modules"}) {
    auto it = s.crashes_by_code.find(code);
    std::vector<std::string> row{code};
    int sum = 0;
    for (const auto& [type, n] : types) {
      int k = it != s.crashes_by_code.end() && it->second.count(type) ? it->second.at(type) : 0;
      row.push_back(std::to_string(k));
      sum += k;
    }
    row.push_back(std::to_string(sum));
    t.add(row);
  }
  out += t.render();
  for (const char* code : {"vmlinux", "modules"}) {
    out += fmt::format("\nPolicy x outcome, crashes in {} (workloads)\n", code);
    out += policy_outcome_table(s.policies, s.by_code.at(code));
  }
  return out;
}

std::string summary_tables(const std::vector<Prediction>& predictions) {
  ReportSummary s = summarize_predictions(predictions);
  std::string out = fmt::format("\nSummary over {} trace(s)\n", s.traces);
  for (const std::string& policy : s.policies) {
    const PolicySummary& ps = s.by_policy.at(policy);
    out += fmt::format("\nReactions x scope under {} (workloads)\n", policy);
    std::vector<std::string> header{"scope"};
    for (models::Outcome o : models::kAllOutcomes) header.emplace_back(models::name(o));
    header.emplace_back("total");
    TextTable t(header);
    std::map<models::Outcome, int> totals;
    int grand = 0;
    for (models::Scope scope : models::kAllScopes) {
      std::vector<std::string> row{std::string(models::name(scope))};
      int sum = 0;
      auto it = ps.reactions.find(scope);
      for (models::Outcome o : models::kAllOutcomes) {
        int n = 0;
        if (it != ps.reactions.end() && it->second.count(o)) n = it->second.at(o);
        row.push_back(std::to_string(n));
        sum += n;
        totals[o] += n;
      }
      row.push_back(std::to_string(sum));
      grand += sum;
      t.add(row);
    }
    std::vector<std::string> total_row{"total"};
    for (models::Outcome o : models::kAllOutcomes) total_row.push_back(std::to_string(totals[o]));
    total_row.push_back(std::to_string(grand));
    t.add(total_row);
    out += t.render();
    out += fmt::format("  predicted vs observed: {}\n", agreement(ps.agreed, ps.compared));
  }
  out += "\nCrashes by fault type x scope (traces)\n";
  std::vector<std::string> header{"scope"};
  for (const auto& [type, by_scope] : s.crashes) header.emplace_back(models::name(type));
  header.emplace_back("total");
  TextTable ft(header);
  std::map<models::FaultType, int> col_totals;
  int grand = 0;
  for (models::Scope scope : models::kAllScopes) {
    std::vector<std::string> row{std::string(models::name(scope))};
    int sum = 0;
    for (const auto& [type, by_scope] : s.crashes) {
      int n = by_scope.count(scope) ? by_scope.at(scope) : 0;
      row.push_back(std::to_string(n));
      sum += n;
      col_totals[type] += n;
    }
    row.push_back(std::to_string(sum));
    grand += sum;
    ft.add(row);
  }
  std::vector<std::string> total_row{"total"};
  for (const auto& [type, by_scope] : s.crashes)
    total_row.push_back(std::to_string(col_totals[type]));
  total_row.push_back(std::to_string(grand));
  ft.add(total_row);
  out += ft.render();
  if (s.by_code.size() > 1) out += render_by_code(s);
  if (s.policies.size() > 1) {
    out += "\nPolicy x outcome (workloads)\n";
    out += policy_outcome_table(s.policies, s.by_policy);
    out +=
        "  agreement: with the outcome the trace observed, in a run under the kernel's default "
        "(kill-faulty);\n  for the other policies, vmcheck reruns each crash with the policy "
        "enforced\n";
  }
  return out;
}

}  // namespace

std::string render_table(const std::vector<Prediction>& predictions, const ReportOptions& options) {
  std::string out =
      "oopsim simrun: predicted outcome per workload (deterministic replay; no random seed)\n";
  for (std::size_t i = 0; i < predictions.size();) {
    // Predictions of one trace are adjacent (one per policy).
    std::size_t j = i;
    while (j < predictions.size() && predictions[j].trace == predictions[i].trace) ++j;
    out += "\n" + trace_heading(predictions[i]);
    TextTable t({"policy", "workload", "predicted", "observed", "why"});
    for (std::size_t k = i; k < j; ++k) {
      for (const WorkloadPrediction& w : predictions[k].workloads) {
        std::string observed = "-";
        if (w.observed) {
          observed = std::string(models::name(w.observed->outcome));
          observed += w.observed->outcome == w.predicted.outcome ? " (agree)" : " (DIFFER)";
        }
        t.add({predictions[k].policy, w.workload, std::string(models::name(w.predicted.outcome)),
               observed, w.predicted.why});
      }
    }
    out += t.render("   ");
    out += differences(predictions, i, j);
    if (options.explain) {
      for (std::size_t k = i; k < j; ++k) {
        out += fmt::format("   explanation under {}:\n", predictions[k].policy);
        for (const std::string& line : predictions[k].explanation) out += "     " + line + "\n";
        out += fmt::format(
            "     ({} events replayed, {} injected events after the crash ignored, {} dropped, {} "
            "divergences)\n",
            predictions[k].events_replayed, predictions[k].events_ignored_after_crash,
            predictions[k].events_dropped, predictions[k].divergences);
      }
    }
    i = j;
  }
  out += summary_tables(predictions);
  return out;
}

}  // namespace oopsim::sim
