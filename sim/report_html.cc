#include "sim/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "models/seed_study.h"
#include "models/sim_time.h"
#include "sim/report.h"
#include "sim/report_summary.h"

namespace oopsim::sim {

namespace {

std::string esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// One colour per outcome, the same in the chart and the tables.
std::string_view colour(models::Outcome o) {
  switch (o) {
    case models::Outcome::kNotManifest:
      return "#4caf50";
    case models::Outcome::kDeadlock:
      return "#e53935";
    case models::Outcome::kOopsAgain:
      return "#fb8c00";
    case models::Outcome::kNoProc:
      return "#8e24aa";
    case models::Outcome::kDetectError:
      return "#1e88e5";
    case models::Outcome::kPanic:
      return "#212121";
    case models::Outcome::kSurvivedInconsistent:
      return "#fdd835";
  }
  return "#999";
}

std::string outcome_badge(models::Outcome o) {
  return fmt::format("<span class=\"badge\" style=\"background:{}\">{}</span>", colour(o),
                     models::name(o));
}

// Horizontal stacked bars: one per policy, segments per outcome, with a legend.
std::string matrix_chart(const ReportSummary& s) {
  const int bar_w = 560, row_h = 28, left = 140, top = 10;
  int height = top + static_cast<int>(s.policies.size()) * row_h + 40;
  double legend_end = left;
  for (models::Outcome o : models::kAllOutcomes) {
    legend_end += 16 + 7.0 * static_cast<double>(models::name(o).size()) + 14;
  }
  int width = std::max(left + bar_w + 20, static_cast<int>(legend_end) + 10);
  std::string svg = fmt::format(
      "<svg class=\"chart\" role=\"img\" aria-label=\"policy by outcome\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\">",
      width, height, width, height);
  int y = top;
  for (const std::string& policy : s.policies) {
    const PolicySummary& ps = s.by_policy.at(policy);
    int total = 0;
    for (const auto& [o, n] : ps.outcomes) total += n;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 8, y + 18,
                       esc(policy));
    double x = left;
    for (models::Outcome o : models::kAllOutcomes) {
      int n = ps.outcomes.count(o) ? ps.outcomes.at(o) : 0;
      if (n == 0 || total == 0) continue;
      double w = static_cast<double>(bar_w) * n / total;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}: {} "
          "of {}</title></rect>",
          x, y, w, row_h - 6, colour(o), esc(policy) + " " + std::string(models::name(o)), n,
          total);
      if (w > 18) {
        svg +=
            fmt::format("<text class=\"n\" x=\"{:.1f}\" y=\"{}\">{}</text>", x + w / 2, y + 16, n);
      }
      x += w;
    }
    y += row_h;
  }
  double lx = left;
  for (models::Outcome o : models::kAllOutcomes) {
    svg += fmt::format("<rect x=\"{:.0f}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>", lx,
                       y + 10, colour(o));
    svg += fmt::format("<text x=\"{:.0f}\" y=\"{}\" class=\"legend\">{}</text>", lx + 16, y + 21,
                       models::name(o));
    lx += 16 + 7.0 * static_cast<double>(models::name(o).size()) + 14;
  }
  return svg + "</svg>";
}

std::string table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><thead><tr>";
  for (const auto& h : head) out += "<th>" + h + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& r : rows) {
    out += "<tr>";
    for (const auto& c : r) out += "<td>" + c + "</td>";
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

// "share% (n)" of `n` in `total`.
std::string share(int n, int total) {
  if (total == 0) return "–";
  return fmt::format("{:.0f}% ({})", 100.0 * n / total, n);
}

// Reactions × scope in shares of each scope's workloads: under each policy, and the seed study's
// (under oops-kill, the kernel's default: kill-faulty) in the row beside kill-faulty's.
std::string seed_tables(const ReportSummary& s) {
  std::string out;
  std::vector<std::string> head{"scope", "source"};
  for (int i = 0; i < 6; ++i)
    head.emplace_back(models::name(models::kAllOutcomes[static_cast<std::size_t>(i)]));
  head.emplace_back("survived-inconsistent");
  std::vector<std::vector<std::string>> rows;
  for (models::Scope scope : models::kAllScopes) {
    for (const std::string& policy : s.policies) {
      const PolicySummary& ps = s.by_policy.at(policy);
      int total = 0;
      auto count = [&](models::Outcome o) {
        return ps.reactions.count(scope) && ps.reactions.at(scope).count(o)
                   ? ps.reactions.at(scope).at(o)
                   : 0;
      };
      for (models::Outcome o : models::kAllOutcomes) total += count(o);
      std::vector<std::string> row{std::string(models::name(scope)), "oopsim " + esc(policy)};
      for (models::Outcome o : models::kAllOutcomes) row.push_back(share(count(o), total));
      rows.push_back(row);
      if (policy != "kill-faulty") continue;
      const auto& seed = scope == models::Scope::kKernelGlobal
                             ? models::seed::kReactionsKernelGlobal
                             : models::seed::kReactionsProcessLocal;
      int seed_total = 0;
      for (int n : seed) seed_total += n;
      std::vector<std::string> srow{std::string(models::name(scope)), "seed study (oops-kill)"};
      for (int n : seed) srow.push_back(share(n, seed_total));
      srow.emplace_back("–");
      rows.push_back(srow);
    }
  }
  out +=
      "<h3>Reactions × scope, in shares of each scope's workloads (the seed study: Linux 2.6.38, "
      "589 runs, beside kill-faulty)</h3>" +
      table(head, rows);
  std::vector<std::string> ft_head{"fault type", "oopsim: process-local", "oopsim: kernel-global",
                                   "seed: process-local", "seed: kernel-global"};
  std::vector<std::vector<std::string>> ft_rows;
  std::map<std::string, std::pair<int, int>> seed;
  int seed_total = 0;
  for (const auto& r : models::seed::kCrashesByFaultType) {
    seed[std::string(r.type)] = {r.process_local, r.kernel_global};
    seed_total += r.process_local + r.kernel_global;
  }
  for (models::FaultType t : models::kAllFaultTypes) {
    std::string name(models::name(t));
    auto it = s.crashes.find(t);
    auto count = [&](models::Scope scope) {
      return it != s.crashes.end() && it->second.count(scope) ? it->second.at(scope) : 0;
    };
    auto sd = seed.find(name);
    ft_rows.push_back({name, share(count(models::Scope::kProcessLocal), s.traces),
                       share(count(models::Scope::kKernelGlobal), s.traces),
                       sd == seed.end() ? "–" : share(sd->second.first, seed_total),
                       sd == seed.end() ? "–" : share(sd->second.second, seed_total)});
  }
  out += fmt::format(
             "<h3>Crashes by fault type × scope, in shares of all crashes ({} here, {} in the seed "
             "study)</h3>",
             s.traces, seed_total) +
         table(ft_head, ft_rows);
  return out;
}

// The observed outcomes were observed under the kernel's own handling (kill-faulty): only that
// policy's predictions are compared with them; other policies are scored by vmcheck's live
// reruns under the policy itself.
constexpr std::string_view kObservedPolicy = "kill-faulty";

std::string agreement_section(const ReportSummary& s) {
  std::string out;
  auto it = s.by_policy.find(std::string(kObservedPolicy));
  if (it == s.by_policy.end() || it->second.compared == 0) {
    return "<p>No kill-faulty predictions with observed outcomes in this report.</p>";
  }
  const PolicySummary& ps = it->second;
  out += fmt::format("<h3>{}: {}/{} agree ({:.1f}%)</h3>", kObservedPolicy, ps.agreed, ps.compared,
                     100.0 * ps.agreed / ps.compared);
  std::vector<std::string> head{"predicted ↓ / observed →"};
  for (models::Outcome o : models::kAllOutcomes) head.emplace_back(models::name(o));
  std::vector<std::vector<std::string>> rows;
  for (models::Outcome p : models::kAllOutcomes) {
    std::vector<std::string> row{std::string(models::name(p))};
    for (models::Outcome o : models::kAllOutcomes) {
      int n = 0;
      if (ps.confusion.count(p) && ps.confusion.at(p).count(o)) n = ps.confusion.at(p).at(o);
      row.push_back(n == 0 ? ""
                           : (p == o ? "<b>" + std::to_string(n) + "</b>" : std::to_string(n)));
    }
    rows.push_back(row);
  }
  out += table(head, rows);
  out +=
      "<p class=\"meta\">The other policies' predictions are not compared with these "
      "observations, made under kill-faulty: vmcheck reruns each crash live under the policy "
      "itself and scores them (docs/vmcheck.md).</p>";
  return out;
}

// One row per trace: its fault, crash, scope and kill-faulty outcomes, linking to its details.
std::string trace_index(const std::vector<Prediction>& predictions) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < predictions.size();) {
    std::size_t j = i;
    while (j < predictions.size() && predictions[j].trace == predictions[i].trace) ++j;
    const Prediction& first = predictions[i];
    std::string outcomes;
    for (std::size_t k = i; k < j; ++k) {
      if (predictions[k].policy != kObservedPolicy) continue;
      for (const WorkloadPrediction& w : predictions[k].workloads)
        outcomes += esc(w.workload) + " " + outcome_badge(w.predicted.outcome) + " ";
    }
    std::string id = trace_id(first.trace);
    rows.push_back({fmt::format("<a href=\"#t-{}\">{}</a>", esc(id), esc(id)),
                    first.fault ? esc(std::string(models::name(first.fault->type))) : "–",
                    first.fault ? esc(first.fault->site()) : "–", esc(first.crash_function),
                    std::string(models::name(first.scope)), outcomes});
    i = j;
  }
  return table({"trace", "fault", "site", "crash in", "scope", "kill-faulty predictions"}, rows);
}

std::string strip_xml_prolog(const std::string& svg) {
  auto at = svg.find("<svg");
  return at == std::string::npos ? svg : svg.substr(at);
}

std::string graph_block(const std::string& title, const std::string& svg, const std::string& dot) {
  if (dot.empty()) return "";
  std::string body =
      svg.empty() ? "<pre class=\"dot\">" + esc(dot) + "</pre>" : strip_xml_prolog(svg);
  return fmt::format("<figure><figcaption>{}</figcaption>{}</figure>", esc(title), body);
}

}  // namespace

std::string render_html(const std::vector<Prediction>& predictions, const HtmlGraphs& graphs) {
  ReportSummary s = summarize_predictions(predictions);
  std::string out = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>oopsim report</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:16px 28px}header h1{margin:0;font-size:22px}
main{padding:8px 28px 40px;max-width:1200px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 18px;margin:16px 0}
h2{font-size:18px;margin:4px 0 10px}h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#eceff1}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;white-space:nowrap}
.chart text{font-size:12px}.chart text.n{fill:#fff;text-anchor:middle}.chart text.legend{fill:#333}
details{border-top:1px solid #eee;padding:6px 0}summary{cursor:pointer;font-weight:600}
.meta{color:#555;font-size:13px}.agree{color:#2e7d32}.differ{color:#c62828;font-weight:600}
pre.dot{font-size:11px;background:#f5f5f5;padding:6px;overflow:auto;max-height:240px}
figure{display:inline-block;margin:6px 12px 6px 0;vertical-align:top;max-width:100%;overflow:auto}
figcaption{font-size:12px;color:#555}ol.explain{font-size:12px;color:#333}
#script-errors{color:#c62828}
</style></head><body>
)";
  out += fmt::format(
      "<header><h1>oopsim report</h1><div>{} trace(s) × {} polic{} · deterministic replay (no "
      "random "
      "seed; fault seeds per trace below)</div></header><main>\n",
      s.traces, s.policies.size(), s.policies.size() == 1 ? "y" : "ies");
  out += "<div id=\"script-errors\"></div>\n";
  out += "<section id=\"matrix\"><h2>Policy × outcome (workloads)</h2>" + matrix_chart(s) +
         "</section>\n";
  out +=
      "<section id=\"agreement\"><h2>Predicted versus observed</h2><p class=\"meta\">Observed "
      "outcomes are what really happened after the crash, under the kernel's own handling "
      "(kill-faulty).</p>" +
      agreement_section(s) + "</section>\n";
  out += "<section id=\"seed-tables\"><h2>Seed-style tables</h2>" + seed_tables(s) + "</section>\n";
  out += "<section id=\"traces\"><h2>Traces</h2>" + trace_index(predictions) +
         "<button id=\"toggle\" type=\"button\">expand all</button>\n";
  for (std::size_t i = 0; i < predictions.size();) {
    std::size_t j = i;
    while (j < predictions.size() && predictions[j].trace == predictions[i].trace) ++j;
    const Prediction& first = predictions[i];
    std::string fault = first.fault
                            ? fmt::format("{} at {} (seed {})", models::name(first.fault->type),
                                          first.fault->site(), first.fault->seed)
                            : "no fault declared";
    out += fmt::format("<details class=\"trace\" id=\"t-{}\"><summary>{}</summary>",
                       esc(trace_id(first.trace)), esc(first.trace));
    out += fmt::format(
        "<p class=\"meta\">fault {} · crash: {} in {} by {} ({}) at {} · scope <b>{}</b>: {}</p>",
        esc(fault), esc(models::name(first.crash_kind)), esc(first.crash_function),
        esc(first.crash_context), esc(first.crash_context_kind),
        models::format_seconds(first.crash_time, first.header.ticks_per_second),
        models::name(first.scope), esc(first.scope_why));
    std::vector<std::vector<std::string>> rows;
    for (std::size_t k = i; k < j; ++k) {
      for (const WorkloadPrediction& w : predictions[k].workloads) {
        std::string observed = "–";
        if (w.observed && predictions[k].policy == kObservedPolicy) {
          bool agree = w.observed->outcome == w.predicted.outcome;
          observed = outcome_badge(w.observed->outcome) +
                     fmt::format(" <span class=\"{}\">{}</span>", agree ? "agree" : "differ",
                                 agree ? "agree" : "differ");
        } else if (w.observed) {  // observed under kill-faulty: not this policy's to agree with
          observed = "<span class=\"meta\">under kill-faulty: </span>" +
                     outcome_badge(w.observed->outcome);
        }
        rows.push_back({esc(predictions[k].policy), esc(w.workload),
                        outcome_badge(w.predicted.outcome), observed, esc(w.predicted.why)});
      }
    }
    out += table({"policy", "workload", "predicted", "observed", "why"}, rows);
    for (std::size_t k = i; k < j; ++k) {
      const Prediction& p = predictions[k];
      out += fmt::format("<h3>Under {}</h3><ol class=\"explain\">", esc(p.policy));
      for (const std::string& line : p.explanation) out += "<li>" + esc(line) + "</li>";
      out += "</ol>";
      out +=
          graph_block("wait-for graph at the end (" + p.policy + ")",
                      k < graphs.wait_for_svg.size() ? graphs.wait_for_svg[k] : "", p.wait_for_dot);
      out += graph_block("error propagation (" + p.policy + ")",
                         k < graphs.propagation_svg.size() ? graphs.propagation_svg[k] : "",
                         p.propagation_dot);
    }
    out += "</details>\n";
    i = j;
  }
  out += "</section></main>\n";
  out += R"(<script>
window.addEventListener('error', function (e) {
  document.getElementById('script-errors').textContent += 'script error: ' + e.message + '\n';
});
(function () {
  var button = document.getElementById('toggle');
  button.addEventListener('click', function () {
    var open = button.textContent === 'expand all';
    document.querySelectorAll('details.trace').forEach(function (d) { d.open = open; });
    button.textContent = open ? 'collapse all' : 'expand all';
  });
  var first = document.querySelector('details.trace');
  if (first) first.open = true;
  document.body.setAttribute('data-ready', 'yes');
})();
</script></body></html>
)";
  return out;
}

}  // namespace oopsim::sim
