#include "traces/campaign/campaign_figures.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "models/fault_model.h"
#include "models/outcome.h"
#include "traces/campaign/campaign_cost.h"
#include "traces/campaign/campaign_index.h"

namespace oopsim::traces {

using json = nlohmann::ordered_json;

namespace {

// The seed study's published counts (slides, "Result" pages).
const std::map<std::string, std::pair<int, int>> kSeedByType = {
    {"BRANCH", {3, 1}}, {"INVERSE", {4, 3}}, {"PTR", {26, 8}},     {"DSTSRC", {15, 10}},
    {"INIT", {10, 1}},  {"IRQ", {1, 0}},     {"OFFBYONE", {6, 0}}, {"SIZE", {1, 1}},
    {"BCOPY", {6, 10}}, {"LOOP", {8, 1}},    {"VAR", {3, 1}},      {"NULL", {15, 0}}};
// INTERFACE, ALLOC and FREE are in the seed's injector but not in its result table.
// not-manifest, deadlock, oops-again, no-proc, detect-error, panic
const std::map<std::string, std::array<int, 6>> kSeedReactions = {
    {"kernel-global", {32, 59, 26, 3, 3, 3}}, {"process-local", {314, 132, 0, 10, 0, 7}}};
const std::array<models::Outcome, 6> kSeedOutcomes = {
    models::Outcome::kNotManifest, models::Outcome::kDeadlock,    models::Outcome::kOopsAgain,
    models::Outcome::kNoProc,      models::Outcome::kDetectError, models::Outcome::kPanic};

std::string pct(double a, double b) {
  return b > 0 ? fmt::format("{:.1f}%", 100.0 * a / b) : std::string("-");
}

// Crashes by fault type x scope beside the seed's, with totals and the process-local share.
std::string scope_table(const std::map<std::string, std::pair<int, int>>& by_type) {
  std::string out = "Crashes by fault type x scope (oopsim | seed study)\n\n| scope |";
  std::vector<std::string> types;
  for (models::FaultType t : models::kAllFaultTypes) types.emplace_back(models::name(t));
  for (const auto& t : types) out += " " + t + " |";
  out += " total |\n|---|";
  for (std::size_t i = 0; i <= types.size(); ++i) out += "---|";
  out += "\n";
  std::array<int, 2> ours_by{}, seed_by{};
  for (int row = 0; row < 3; ++row) {  // process-local, kernel-global, total
    out += row == 0 ? "| process-local |" : row == 1 ? "| kernel-global |" : "| total |";
    int ours = 0, seed = 0;
    for (const auto& t : types) {
      auto it = by_type.find(t);
      std::pair<int, int> o = it == by_type.end() ? std::pair<int, int>{} : it->second;
      int mine = row == 0 ? o.first : row == 1 ? o.second : o.first + o.second;
      ours += mine;
      auto sd = kSeedByType.find(t);
      if (sd == kSeedByType.end()) {
        out += fmt::format(" {} \\| - |", mine);
        continue;
      }
      int theirs = row == 0   ? sd->second.first
                   : row == 1 ? sd->second.second
                              : sd->second.first + sd->second.second;
      seed += theirs;
      out += fmt::format(" {} \\| {} |", mine, theirs);
    }
    out += fmt::format(" {} \\| {} |\n", ours, seed);
    if (row < 2) {
      ours_by[static_cast<std::size_t>(row)] = ours;
      seed_by[static_cast<std::size_t>(row)] = seed;
    }
  }
  out += fmt::format("\nProcess-local: {} of {} crashes ({}) | seed study: {} of {} ({}).\n",
                     ours_by[0], ours_by[0] + ours_by[1], pct(ours_by[0], ours_by[0] + ours_by[1]),
                     seed_by[0], seed_by[0] + seed_by[1], pct(seed_by[0], seed_by[0] + seed_by[1]));
  return out;
}

// Reactions x scope beside the seed's: counts with totals, then each scope's shares.
std::string reaction_tables(std::map<std::string, std::map<std::string, int>>& reactions) {
  std::string head = "| scope |";
  for (models::Outcome o : kSeedOutcomes) head += fmt::format(" {} |", models::name(o));
  head += " total |\n|---|---|---|---|---|---|---|---|\n";
  std::string counts =
      "\nReactions x scope: observed outcome of each workload after each crash (oopsim | seed "
      "study)\n\n" +
      head;
  std::string shares = "\nThe same as shares of each row (oopsim | seed study)\n\n" + head;
  std::array<int, 6> ours_sum{}, seed_sum{};
  auto row = [&](const std::string& scope, const std::array<int, 6>& ours,
                 const std::array<int, 6>& seed) {
    int ours_total = 0, seed_total = 0;
    for (std::size_t i = 0; i < 6; ++i) ours_total += ours[i], seed_total += seed[i];
    counts += fmt::format("| {} |", scope);
    shares += fmt::format("| {} |", scope);
    for (std::size_t i = 0; i < 6; ++i) {
      counts += fmt::format(" {} \\| {} |", ours[i], seed[i]);
      shares += fmt::format(" {} \\| {} |", pct(ours[i], ours_total), pct(seed[i], seed_total));
    }
    counts += fmt::format(" {} \\| {} |\n", ours_total, seed_total);
    shares += fmt::format(" {} \\| {} |\n", ours_total, seed_total);
  };
  for (const char* scope : {"kernel-global", "process-local"}) {
    std::array<int, 6> ours{};
    for (std::size_t i = 0; i < 6; ++i) {
      ours[i] = reactions[scope][std::string(models::name(kSeedOutcomes[i]))];
      ours_sum[i] += ours[i];
      seed_sum[i] += kSeedReactions.at(scope)[i];
    }
    row(scope, ours, kSeedReactions.at(scope));
  }
  row("total", ours_sum, seed_sum);
  return counts + shares + "\n";
}

}  // namespace

std::string campaign_figures(const std::string& dir) {
  return campaign_figures(std::vector<std::string>{dir});
}

std::string campaign_figures(const std::vector<std::string>& dirs) {
  std::vector<json> results;
  for (const std::string& dir : dirs) {
    std::vector<json> more = read_results(dir);
    results.insert(results.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
  }
  std::vector<double> secs;
  int activated = 0, crashed = 0, with_trace = 0, timed_out = 0;
  std::map<std::string, std::pair<int, int>> by_type;  // type -> (process-local, kernel-global)
  std::map<std::string, std::map<std::string, int>> reactions;  // scope -> outcome -> n
  std::set<std::string> types_crashed, workloads, outcomes_seen;
  for (const json& r : results) {
    secs.push_back(r.value("seconds", 0.0));
    activated += r.value("activated", false);
    timed_out += r.value("timed_out", false);
    if (!r.value("crashed", false)) continue;
    ++crashed;
    std::string scope = r.value("scope", std::string());
    if (scope.empty()) continue;  // no trace: the scope is not known
    ++with_trace;
    std::string type = r["type"].get<std::string>();
    types_crashed.insert(type);
    auto& cell = by_type[type];
    (scope == "kernel-global" ? cell.second : cell.first)++;
    for (auto it = r["observed"].begin(); it != r["observed"].end(); ++it) {
      reactions[scope][it.value().get<std::string>()]++;
      workloads.insert(it.key());
      outcomes_seen.insert(it.value().get<std::string>());
    }
  }
  std::sort(secs.begin(), secs.end());
  double median = secs.empty() ? 0 : secs[secs.size() / 2];
  std::string out;
  out += fmt::format(
      "| experiments | median seconds each | activated | crashed (yield) | crashes with a trace | "
      "timed out |\n|---|---|---|---|---|---|\n| {} | {:.1f} | {} ({}) | {} ({}) | {} | {} |\n\n",
      results.size(), median, activated, pct(activated, results.size()), crashed,
      pct(crashed, results.size()), with_trace, timed_out);
  out += fmt::format(
      "Crashes with a trace cover {} fault types, {} workloads and {} observed outcome "
      "categories.\n\n",
      types_crashed.size(), workloads.size(), outcomes_seen.size());
  out += scope_table(by_type);
  out += reaction_tables(reactions);
  out += "\n" + campaign_cost(results, dirs.size() == 1);
  return out;
}

}  // namespace oopsim::traces
