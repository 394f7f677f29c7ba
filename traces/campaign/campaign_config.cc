#include "traces/campaign/campaign_config.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "models/fault_model.h"
#include "traces/file_text.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::vector<Experiment> plan_campaign(const CampaignConfig& c) {
  std::vector<std::string> types = c.types;
  if (types.empty()) {
    for (models::FaultType t : models::kAllFaultTypes) types.emplace_back(models::name(t));
  }
  std::vector<Experiment> out;
  for (std::uint64_t s = c.first_seed; s < c.first_seed + c.seeds; ++s) {
    for (const std::string& t : types) out.push_back({fmt::format("{}-s{}", t, s), t, s});
  }
  return out;
}

std::vector<Experiment> shard(const std::vector<Experiment>& plan, int task, int tasks) {
  std::vector<Experiment> out;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (tasks > 0 && static_cast<int>(i % static_cast<std::size_t>(tasks)) == task)
      out.push_back(plan[i]);
  }
  return out;
}

namespace {

json to_json(const CampaignConfig& c) {
  json j;
  j["format"] = 1;
  j["types"] = c.types;
  j["first_seed"] = c.first_seed;
  j["seeds"] = c.seeds;
  j["functions"] = c.functions;
  j["hot"] = c.hot;
  j["seconds"] = c.seconds;
  j["timeout"] = c.timeout;
  j["jobs"] = c.jobs;
  j["simcapture"] = c.simcapture;
  j["repo"] = c.repo;
  j["cache"] = c.cache;
  j["state"] = c.state;
  j["engine"] = c.engine;
  j["slurm"] = {{"tasks", c.slurm.tasks},
                {"partition", c.slurm.partition},
                {"time", c.slurm.time_limit},
                {"cpus_per_task", c.slurm.cpus_per_task},
                {"extra", c.slurm.extra}};
  return j;
}

// What makes two campaigns the same plan: the experiments and how each is run.
json plan_part(const json& j) {
  json p;
  for (const char* k : {"types", "first_seed", "seeds", "functions", "hot", "seconds"}) p[k] = j[k];
  return p;
}

}  // namespace

std::string campaign_json(const CampaignConfig& c) {
  return to_json(c).dump(1) + "\n";
}

bool load_campaign(const std::string& dir, CampaignConfig& c, std::string& error) {
  std::string text;
  fs::path path = fs::path(dir) / "campaign.json";
  if (!read_file_text(path, text)) {
    error = path.string() + ": cannot read (is it a campaign folder?)";
    return false;
  }
  try {
    json j = json::parse(text);
    c.types = j.at("types").get<std::vector<std::string>>();
    c.first_seed = j.at("first_seed").get<std::uint64_t>();
    c.seeds = j.at("seeds").get<std::uint64_t>();
    c.functions = j.at("functions").get<std::vector<std::string>>();
    c.hot = j.at("hot").get<std::size_t>();
    c.seconds = j.at("seconds").get<double>();
    c.timeout = j.at("timeout").get<double>();
    c.jobs = j.at("jobs").get<int>();
    c.simcapture = j.at("simcapture").get<std::string>();
    c.repo = j.at("repo").get<std::string>();
    c.cache = j.at("cache").get<std::string>();
    c.state = j.at("state").get<std::string>();
    c.engine = j.at("engine").get<std::string>();
    const json& s = j.at("slurm");
    c.slurm.tasks = s.at("tasks").get<int>();
    c.slurm.partition = s.at("partition").get<std::string>();
    c.slurm.time_limit = s.at("time").get<std::string>();
    c.slurm.cpus_per_task = s.at("cpus_per_task").get<int>();
    c.slurm.extra = s.at("extra").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    error = path.string() + ": " + e.what();
    return false;
  }
  return true;
}

bool save_campaign(const CampaignConfig& c, std::string& error) {
  fs::path path = fs::path(c.dir) / "campaign.json";
  std::string old;
  if (read_file_text(path, old)) {
    try {
      if (plan_part(json::parse(old)) != plan_part(to_json(c))) {
        error = path.string() +
                ": this folder holds a campaign with another plan (types, seeds, functions, "
                "--hot or --seconds differ); use a new folder";
        return false;
      }
    } catch (const std::exception& e) {
      error = path.string() + ": " + e.what();
      return false;
    }
  }
  std::error_code ec;
  fs::create_directories(c.dir, ec);
  if (!write_atomically(path.string(), campaign_json(c))) {
    error = path.string() + ": cannot write";
    return false;
  }
  return true;
}

bool write_atomically(const std::string& path, const std::string& text) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string tmp = fmt::format("{}.{}.{}.tmp", path, host, ::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    f.flush();
    if (!f) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

}  // namespace oopsim::traces
