#include "sim/vmcheck/vmcheck_score.h"

#include <fmt/format.h>

#include "sim/text_table.h"

namespace oopsim::sim {

using models::Outcome;

std::vector<PolicyScore> score(const std::vector<CheckRun>& runs,
                               const std::vector<std::string>& policies) {
  std::vector<PolicyScore> out;
  for (const std::string& p : policies) {
    PolicyScore s;
    s.policy = p;
    for (const CheckRun& r : runs) {
      if (r.policy != p) continue;
      ++s.traces;
      s.predict_seconds += r.predict_seconds;
      s.rerun_seconds += r.rerun_seconds;
      if (!r.rerun_ok) {
        ++s.reruns_failed;
        continue;
      }
      for (const CheckRow& row : r.rows) {
        ++s.matrix[{row.predicted, row.observed}];
        ++s.total;
        if (row.predicted == row.observed) {
          ++s.agree;
        } else {
          s.disagreements.push_back(row);
        }
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

std::string percent(int a, int b) {
  return b == 0 ? std::string("-") : fmt::format("{}/{} ({:.1f}%)", a, b, 100.0 * a / b);
}

}  // namespace

std::string score_table(const std::vector<PolicyScore>& scores, const std::vector<CheckRun>& runs) {
  std::string out = "oopsim vmcheck: predictions against live reruns with the policy enforced\n\n";
  TextTable summary({"policy", "traces", "reruns failed", "agreement (workloads)",
                     "predict s/trace", "rerun s/trace", "speed-up"});
  for (const PolicyScore& s : scores) {
    int ok = s.traces - s.reruns_failed;
    double pred = s.traces ? s.predict_seconds / s.traces : 0;
    double live = s.traces ? s.rerun_seconds / s.traces : 0;
    summary.add({s.policy, std::to_string(s.traces), std::to_string(s.reruns_failed),
                 percent(s.agree, s.total), fmt::format("{:.3f}", pred),
                 fmt::format("{:.1f}", live),
                 pred > 0 && ok > 0 ? fmt::format("{:.0f}x", live / pred) : "-"});
  }
  out += summary.render();
  for (const PolicyScore& s : scores) {
    out +=
        fmt::format("\nConfusion matrix under {} (rows: predicted, columns: observed)\n", s.policy);
    std::vector<std::string> head{"predicted \\ observed"};
    for (Outcome o : models::kAllOutcomes) head.emplace_back(models::name(o));
    TextTable m(head);
    for (Outcome p : models::kAllOutcomes) {
      std::vector<std::string> row{std::string(models::name(p))};
      for (Outcome o : models::kAllOutcomes) {
        auto it = s.matrix.find({p, o});
        row.push_back(std::to_string(it == s.matrix.end() ? 0 : it->second));
      }
      m.add(row);
    }
    out += m.render();
    out += fmt::format("  agreement: {}\n", percent(s.agree, s.total));
    if (!s.disagreements.empty()) {
      out += "  disagreements:\n";
      for (const CheckRow& d : s.disagreements) {
        out += fmt::format("    {} {}: predicted {} ({}); observed {} ({})\n", d.trace, d.workload,
                           models::name(d.predicted), d.predicted_why, models::name(d.observed),
                           d.observed_why);
      }
    }
  }
  bool any_again = false;
  for (const CheckRun& r : runs) {
    if (!r.rerun_ok || r.predicted_from.empty()) continue;
    if (!any_again)
      out +=
          "\nReruns scored against a prediction from their own record (another crash came "
          "first):\n";
    any_again = true;
    out += fmt::format("  {} under {}: {}\n", r.trace, r.policy, r.predicted_from);
  }
  bool any_failed = false;
  for (const CheckRun& r : runs) {
    if (r.rerun_ok) continue;
    if (!any_failed) out += "\nReruns not scored:\n";
    any_failed = true;
    out += fmt::format("  {} under {}: {}\n", r.trace, r.policy, r.rerun_problem);
  }
  return out;
}

nlohmann::ordered_json score_json(const std::vector<PolicyScore>& scores,
                                  const std::vector<CheckRun>& runs) {
  nlohmann::ordered_json j;
  j["tool"] = "oopsim vmcheck";
  j["policies"] = nlohmann::ordered_json::array();
  for (const PolicyScore& s : scores) {
    nlohmann::ordered_json p;
    p["policy"] = s.policy;
    p["traces"] = s.traces;
    p["reruns_failed"] = s.reruns_failed;
    p["agree"] = s.agree;
    p["total"] = s.total;
    p["agreement"] = s.total ? static_cast<double>(s.agree) / s.total : 0.0;
    p["predict_seconds"] = s.predict_seconds;
    p["rerun_seconds"] = s.rerun_seconds;
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    for (const auto& [key, n] : s.matrix) {
      m.push_back({{"predicted", models::name(key.first)},
                   {"observed", models::name(key.second)},
                   {"count", n}});
    }
    p["matrix"] = m;
    j["policies"].push_back(p);
  }
  j["runs"] = nlohmann::ordered_json::array();
  for (const CheckRun& r : runs) {
    nlohmann::ordered_json x;
    x["trace"] = r.trace;
    x["policy"] = r.policy;
    x["rerun_ok"] = r.rerun_ok;
    if (!r.rerun_ok) x["problem"] = r.rerun_problem;
    x["rerun_dir"] = r.rerun_dir;
    if (!r.predicted_from.empty()) x["predicted_from"] = r.predicted_from;
    x["predict_seconds"] = r.predict_seconds;
    x["rerun_seconds"] = r.rerun_seconds;
    x["workloads"] = nlohmann::ordered_json::array();
    for (const CheckRow& row : r.rows) {
      x["workloads"].push_back({{"workload", row.workload},
                                {"predicted", models::name(row.predicted)},
                                {"predicted_why", row.predicted_why},
                                {"observed", models::name(row.observed)},
                                {"observed_why", row.observed_why},
                                {"agree", row.predicted == row.observed}});
    }
    j["runs"].push_back(x);
  }
  return j;
}

std::string score_csv(const std::vector<CheckRun>& runs) {
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string out =
      "trace,policy,rerun_ok,workload,predicted,observed,agree,predict_seconds,rerun_seconds,"
      "predicted_why,observed_why\n";
  for (const CheckRun& r : runs) {
    if (!r.rerun_ok) {
      out += fmt::format("{},{},false,,,,,{:.3f},{:.1f},,{}\n", quote(r.trace), r.policy,
                         r.predict_seconds, r.rerun_seconds, quote(r.rerun_problem));
      continue;
    }
    for (const CheckRow& row : r.rows) {
      out += fmt::format("{},{},true,{},{},{},{},{:.3f},{:.1f},{},{}\n", quote(r.trace), r.policy,
                         row.workload, models::name(row.predicted), models::name(row.observed),
                         row.predicted == row.observed, r.predict_seconds, r.rerun_seconds,
                         quote(row.predicted_why), quote(row.observed_why));
    }
  }
  return out;
}

}  // namespace oopsim::sim
