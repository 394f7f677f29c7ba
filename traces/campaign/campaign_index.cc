#include "traces/campaign/campaign_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>

#include "traces/campaign/campaign_config.h"
#include "traces/format/file_text.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::vector<json> read_json_dir(const fs::path& dir) {
  std::vector<std::pair<std::string, json>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json") continue;
    std::string text;
    if (!read_file_text(e.path(), text)) continue;
    try {
      found.emplace_back(e.path().filename().string(), json::parse(text));
    } catch (const std::exception&) {
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<json> out;
  for (auto& [name, j] : found) out.push_back(std::move(j));
  return out;
}

std::string observed_column(const json& r) {
  std::string observed;
  if (!r.contains("observed")) return observed;
  for (auto it = r["observed"].begin(); it != r["observed"].end(); ++it) {
    observed += (observed.empty() ? "" : ";") + it.key() + "=" + it.value().get<std::string>();
  }
  return observed;
}

}  // namespace

std::vector<TaskRecord> read_task_records(const std::string& dir) {
  std::vector<TaskRecord> out;
  for (const json& j : read_json_dir(fs::path(dir) / "slurm" / "tasks")) {
    TaskRecord t;
    t.job = j.value("job", "");
    t.task = j.value("task", "");
    t.restart = j.value("restart", "0");
    t.host = j.value("host", "");
    t.log = j.value("log", "");
    t.finished = j.contains("exit");
    t.exit_code = j.value("exit", -1);
    t.started_at = j.value("started_at", 0LL);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<json> read_results(const std::string& dir) {
  std::vector<json> results = read_json_dir(fs::path(dir) / "results");
  // A snapshot (campaign_snapshot.h) holds them one per line instead.
  std::string lines;
  if (results.empty() && read_file_text(fs::path(dir) / "results.jsonl", lines)) {
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("id")) results.push_back(std::move(j));
    }
  }
  std::sort(results.begin(), results.end(), [](const json& a, const json& b) {
    return a["id"].get<std::string>() < b["id"].get<std::string>();
  });
  return results;
}

std::string index_csv(const std::vector<json>& results) {
  std::string csv =
      "id,type,seed,site,activated,crashed,crash_kind,crash_function,observed,scope,timed_out,"
      "seconds\n";
  for (const json& r : results) {
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{:.1f}\n", r["id"].get<std::string>(),
                       r["type"].get<std::string>(), r["seed"].get<std::uint64_t>(),
                       r.value("site", std::string()), r.value("activated", false),
                       r.value("crashed", false), r.value("crash_kind", std::string()),
                       r.value("crash_function", std::string()), observed_column(r),
                       r.value("scope", std::string()), r.value("timed_out", false),
                       r.value("seconds", 0.0));
  }
  return csv;
}

int campaign_status(const std::string& dir, std::ostream& out,
                    const std::vector<std::string>& live_jobs) {
  std::vector<json> results = read_results(dir);
  CampaignConfig config;
  std::string error;
  bool known = load_campaign(dir, config, error);
  std::size_t planned = known ? plan_campaign(config).size() : results.size();
  int activated = 0, crashed = 0;
  long long first = 0, last = 0;
  for (const json& r : results) {
    activated += r.value("activated", false);
    crashed += r.value("crashed", false);
    long long at = r.value("finished_at", 0LL);
    if (at > 0) {
      long long start = at - static_cast<long long>(r.value("seconds", 0.0));
      first = first == 0 ? start : std::min(first, start);
      last = std::max(last, at);
    }
  }
  write_atomically((fs::path(dir) / "index.csv").string(), index_csv(results));
  out << fmt::format("{}: {}/{} experiments done, {} activated, {} crashed; index.csv rewritten\n",
                     dir, results.size(), planned, activated, crashed);
  if (results.size() < planned && last > first && !results.empty()) {
    double rate = static_cast<double>(results.size()) / static_cast<double>(last - first);
    double eta = static_cast<double>(planned - results.size()) / rate;
    out << fmt::format("rate {:.1f} experiments/min; ETA {:02}:{:02}:{:02} at that rate\n",
                       rate * 60, static_cast<int>(eta) / 3600, static_cast<int>(eta) / 60 % 60,
                       static_cast<int>(eta) % 60);
  }
  // Experiments whose harness failed (failed/<id>.json) and that have no result yet.
  std::error_code ec;
  std::vector<std::string> failed;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "failed", ec)) {
    if (e.path().extension() != ".json") continue;
    std::string id = e.path().stem().string();
    if (fs::exists(fs::path(dir) / "results" / (id + ".json"))) continue;
    std::string text;
    read_file_text(e.path(), text);
    json f = json::parse(text, nullptr, false);
    std::string cause = f.is_object() && f.contains("cause") && f["cause"].is_string()
                            ? f["cause"].get<std::string>()
                            : std::string("(unreadable record)");
    failed.push_back(fmt::format("{}: {}", id, cause));
  }
  std::sort(failed.begin(), failed.end());
  if (!failed.empty())
    out << fmt::format("{} experiment(s) failed in the harness (not counted; rerun on resume):\n",
                       failed.size());
  for (const std::string& f : failed) out << "  " << f << "\n";
  // Slurm tasks that failed, or stopped without finishing and are no longer queued.
  std::vector<TaskRecord> tasks = read_task_records(dir);
  std::set<std::string> finished_ok;
  for (const TaskRecord& t : tasks) {
    if (t.finished && t.exit_code == 0) finished_ok.insert(t.job + "_" + t.task);
  }
  for (const TaskRecord& t : tasks) {
    std::string id = t.job + "_" + t.task;
    bool live = std::find(live_jobs.begin(), live_jobs.end(), t.job) != live_jobs.end();
    if (finished_ok.count(id) > 0) continue;
    if (t.finished) {
      out << fmt::format("slurm task {} (attempt {}, {}) failed with exit {}; log {}\n", id,
                         t.restart, t.host, t.exit_code, t.log);
    } else if (!live) {
      out << fmt::format("slurm task {} (attempt {}, {}) stopped without finishing; log {}\n", id,
                         t.restart, t.host, t.log);
    }
  }
  return 0;
}

}  // namespace oopsim::traces
