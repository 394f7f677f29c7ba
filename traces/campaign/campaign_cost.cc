#include "traces/campaign/campaign_cost.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace oopsim::traces {

using json = nlohmann::ordered_json;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double number(const json& o, const char* key) {
  return o.contains(key) && o[key].is_number() ? o[key].get<double>() : 0.0;
}

// One row: the experiments `pick` selects, with the medians of each part of their time.
std::string cost_row(const std::vector<json>& results, const std::string& kind,
                     const std::function<bool(const json&)>& pick) {
  std::vector<double> total, restore, activation, run, harness;
  for (const json& r : results) {
    if (!pick(r)) continue;
    double secs = number(r, "seconds");
    total.push_back(secs);
    if (!r.contains("run") || !r["run"].is_object()) continue;
    const json& t = r["run"];
    double restore_s = number(t, "restore_s"), cont = number(t, "cont_at_s");
    double ran = number(t, "ran_s");
    restore.push_back(restore_s);
    activation.push_back(std::max(0.0, cont - restore_s));
    run.push_back(ran);
    // Before QEMU starts (setup, planning, overlays) and after it ends (quit, import, result).
    harness.push_back(std::max(0.0, secs - cont - ran));
  }
  if (total.empty()) return "";
  auto cell = [](const std::vector<double>& v) {
    return v.empty() ? std::string("-") : fmt::format("{:.2f}", median(v));
  };
  return fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", kind, total.size(), cell(total),
                     cell(restore), cell(activation), cell(run), cell(harness));
}

}  // namespace

std::string campaign_cost(const std::vector<json>& results, bool rates) {
  if (results.empty()) return "";
  // The wall time: from the first experiment's start to the last one's end.
  double first = 0, last = 0;
  int crashed = 0;
  for (const json& r : results) {
    double end = number(r, "finished_at");
    crashed += r.value("crashed", false);
    if (end <= 0) continue;
    double start = end - number(r, "seconds");
    first = first == 0 ? start : std::min(first, start);
    last = std::max(last, end);
  }
  std::string out;
  double hours = (last - first) / 3600;
  if (rates && hours > 0) {
    out += fmt::format(
        "Throughput: {} experiments and {} crashes in {:.2f} h of wall time: {:.0f} experiments "
        "and {:.0f} crashes an hour (finished_at is in whole seconds).\n\n",
        results.size(), crashed, hours, results.size() / hours, crashed / hours);
  }
  out +=
      "Cost of one experiment, medians in seconds (restore: QEMU start and the saved state's "
      "restore; activation: patching the text and waiting for the site to run; run: the injected "
      "run after that; harness: everything else, before QEMU starts and after it ends, the import "
      "included)\n\n| experiments | n | total | restore | activation | run | harness |\n"
      "|---|---|---|---|---|---|---|\n";
  out += cost_row(results, "all", [](const json&) { return true; });
  out += cost_row(results, "crashed", [](const json& r) { return r.value("crashed", false); });
  out += cost_row(results, "activated, no crash", [](const json& r) {
    return r.value("activated", false) && !r.value("crashed", false);
  });
  out += cost_row(results, "not activated", [](const json& r) {
    return !r.value("activated", false) && !r.value("crashed", false);
  });
  return out;
}

}  // namespace oopsim::traces
