#include "traces/campaign/campaign_config.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>

#include "models/fault_model.h"
#include "models/parse_number.h"
#include "traces/format/file_text.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::vector<Experiment> plan_campaign(const CampaignConfig& c) {
  std::vector<std::string> types = c.types;
  if (types.empty()) {
    for (models::FaultType t : models::kAllFaultTypes) types.emplace_back(models::name(t));
  }
  std::set<std::string> only(c.only.begin(), c.only.end());
  std::vector<Experiment> out;
  for (std::uint64_t s = c.first_seed; s < c.first_seed + c.seeds; ++s) {
    for (const std::string& t : types) {
      std::string id = fmt::format("{}-s{}", t, s);
      if (only.empty() || only.count(id)) out.push_back({id, t, s});
    }
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

// Whether `id` ("<type>-s<seed>") is one of the plan's types x seeds.
bool in_plan(const CampaignConfig& c, const std::string& id) {
  auto dash = id.rfind("-s");
  if (dash == std::string::npos || dash + 2 >= id.size()) return false;
  std::string type = id.substr(0, dash);
  auto seed = models::parse_u64(id.substr(dash + 2), 10);
  if (!seed || *seed < c.first_seed || *seed - c.first_seed >= c.seeds ||
      std::to_string(*seed) != id.substr(dash + 2))
    return false;
  if (c.types.empty()) {
    auto t = models::parse_fault_type(type);
    return t && type == models::name(*t);
  }
  return std::find(c.types.begin(), c.types.end(), type) != c.types.end();
}

json to_json(const CampaignConfig& c) {
  json j;
  j["format"] = 1;
  j["types"] = c.types;
  j["first_seed"] = c.first_seed;
  j["seeds"] = c.seeds;
  j["only"] = c.only;
  j["functions"] = c.functions;
  j["modules"] = c.modules;
  j["hot"] = c.hot;
  j["sites"] = c.sites;
  j["coverage"] = c.coverage;
  j["seconds"] = c.seconds;
  j["activation_wait"] = c.activation_wait;
  j["stop_quiet"] = c.stop_quiet;
  j["timeout"] = c.timeout;
  j["jobs"] = c.jobs;
  j["simcapture"] = c.simcapture;
  j["repo"] = c.repo;
  j["cache"] = c.cache;
  j["state"] = c.state;
  j["kernel_pin"] = c.kernel_pin;
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
  p["coverage"] = j.value("coverage", std::string());  // absent in campaigns before it
  p["sites"] = j.value("sites", std::string("all"));
  p["only"] = j.value("only", std::vector<std::string>());        // absent in campaigns before it
  p["modules"] = j.value("modules", std::vector<std::string>());  // absent before modules
  p["activation_wait"] = j.value("activation_wait", 0.0);         // absent before early stops
  p["stop_quiet"] = j.value("stop_quiet", 0.0);
  p["kernel_pin"] = j.value("kernel_pin", std::string());  // absent before the second kernel
  return p;
}

}  // namespace

std::string campaign_json(const CampaignConfig& c) {
  return to_json(c).dump(1) + "\n";
}

bool parse_campaign_json(const std::string& text, const std::string& where, CampaignConfig& c,
                         std::string& error) {
  auto bad = [&](const std::string& what) {
    error = where + ": " + what;
    return false;
  };
  // Parsed without exceptions (nlohmann's are caught here and nowhere else).
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return bad("not JSON");
  // Integers are read only from JSON integers (nlohmann converts a float out of range with
  // undefined behaviour), strings from strings.
  auto integer = [&](const json& o, const char* key, auto& out, std::int64_t lo, std::int64_t hi) {
    if (!o.contains(key) || !o[key].is_number_integer())
      return bad(std::string(key) + " is not an integer");
    if (o[key].is_number_unsigned()
            ? o[key].get<std::uint64_t>() > static_cast<std::uint64_t>(hi)
            : o[key].get<std::int64_t>() < lo || o[key].get<std::int64_t>() > hi)
      return bad(std::string(key) + " is out of range");
    out = static_cast<std::remove_reference_t<decltype(out)>>(
        o[key].is_number_unsigned() ? static_cast<std::int64_t>(o[key].get<std::uint64_t>())
                                    : o[key].get<std::int64_t>());
    return true;
  };
  auto number = [&](const json& o, const char* key, double& out) {
    if (!o.contains(key) || !o[key].is_number()) return bad(std::string(key) + " is not a number");
    out = o[key].get<double>();
    return true;
  };
  auto string_field = [&](const json& o, const char* key, std::string& out) {
    if (!o.contains(key) || !o[key].is_string()) return bad(std::string(key) + " is not a string");
    out = o[key].get<std::string>();
    return true;
  };
  auto texts = [&](const json& o, const char* key, std::vector<std::string>& out) {
    if (!o.contains(key) || !o[key].is_array()) return bad(std::string(key) + " is not a list");
    out.clear();
    for (const json& v : o[key]) {
      if (!v.is_string()) return bad(std::string(key) + " holds a non-string");
      out.push_back(v.get<std::string>());
    }
    return true;
  };
  constexpr std::int64_t kBig = std::numeric_limits<std::int64_t>::max();
  if (!j.is_object() || !j.contains("slurm") || !j["slurm"].is_object())
    return bad("not a campaign (an object with a slurm object)");
  const json& s = j["slurm"];
  if (!texts(j, "types", c.types) || !integer(j, "first_seed", c.first_seed, 0, kBig) ||
      !integer(j, "seeds", c.seeds, 0, kBig) || !texts(j, "functions", c.functions) ||
      !integer(j, "hot", c.hot, 0, kBig) || !number(j, "seconds", c.seconds) ||
      !number(j, "timeout", c.timeout) || !integer(j, "jobs", c.jobs, 1, 4096) ||
      !string_field(j, "simcapture", c.simcapture) || !string_field(j, "repo", c.repo) ||
      !string_field(j, "cache", c.cache) || !string_field(j, "state", c.state) ||
      !string_field(j, "engine", c.engine) || !integer(s, "tasks", c.slurm.tasks, 1, 1000000) ||
      !string_field(s, "partition", c.slurm.partition) ||
      !string_field(s, "time", c.slurm.time_limit) ||
      !integer(s, "cpus_per_task", c.slurm.cpus_per_task, 1, 4096) ||
      !texts(s, "extra", c.slurm.extra))
    return false;
  c.coverage.clear();  // absent in campaigns before it
  if (j.contains("coverage") && !string_field(j, "coverage", c.coverage)) return false;
  c.only.clear();  // absent in campaigns before it
  if (j.contains("only") && !texts(j, "only", c.only)) return false;
  c.kernel_pin.clear();  // absent in campaigns before the second kernel: the pinned one
  if (j.contains("kernel_pin") && !string_field(j, "kernel_pin", c.kernel_pin)) return false;
  c.modules.clear();  // absent in campaigns before module sites
  if (j.contains("modules") && !texts(j, "modules", c.modules)) return false;
  c.activation_wait = 0;  // absent in campaigns before early stops: none
  c.stop_quiet = 0;
  if ((j.contains("activation_wait") && !number(j, "activation_wait", c.activation_wait)) ||
      (j.contains("stop_quiet") && !number(j, "stop_quiet", c.stop_quiet)))
    return false;
  if (!(c.activation_wait >= 0 && c.activation_wait < 1e6) ||
      !(c.stop_quiet >= 0 && c.stop_quiet < 1e6))
    return bad("activation_wait and stop_quiet must be 0 or positive (and less than 1e6)");
  c.sites = "all";  // campaigns before the choice drew from all code
  if (j.contains("sites") && !string_field(j, "sites", c.sites)) return false;
  if (c.sites != "executed" && c.sites != "all") return bad("sites is executed or all");
  if (!c.modules.empty() && c.sites != "executed")
    return bad("modules: their functions are learned from coverage, so sites must be executed");
  // What the runner relies on.
  for (const std::string& t : c.types) {
    if (!models::parse_fault_type(t)) return bad("unknown fault type '" + t + "'");
  }
  if (c.seeds > kMaxSeeds) return bad("seeds must be at most " + std::to_string(kMaxSeeds));
  if (c.first_seed > UINT64_MAX - c.seeds) return bad("first_seed + seeds overflows");
  if (!(c.seconds > 0 && c.seconds < 1e6) || !(c.timeout > 0 && c.timeout < 1e7))
    return bad("seconds and timeout must be positive (and less than 1e6 and 1e7)");
  if (c.engine != "local" && c.engine != "slurm") return bad("engine is local or slurm");
  for (const std::string& id : c.only) {
    if (!in_plan(c, id))
      return bad("only: " + id + " is not an experiment of the plan (types x seeds)");
  }
  return true;
}

bool load_campaign(const std::string& dir, CampaignConfig& c, std::string& error) {
  std::string text;
  fs::path path = fs::path(dir) / "campaign.json";
  if (!read_file_text(path, text)) {
    error = path.string() + ": cannot read (is it a campaign folder?)";
    return false;
  }
  return parse_campaign_json(text, path.string(), c, error);
}

bool save_campaign(const CampaignConfig& c, std::string& error) {
  fs::path path = fs::path(c.dir) / "campaign.json";
  std::string old;
  if (read_file_text(path, old)) {
    try {
      if (plan_part(json::parse(old)) != plan_part(to_json(c))) {
        error = path.string() +
                ": this folder holds a campaign with another plan (types, seeds, functions, "
                "--hot, --sites, --coverage, --modules, --seconds, the early stops or the kernel's "
                "pin file differ); use a new folder";
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

bool write_atomically(const std::string& path, const std::string& text, std::string* why) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string tmp = fmt::format("{}.{}.{}.tmp", path, host, ::getpid());
  std::error_code ec;
  auto fail = [&](const std::string& what) {
    if (why != nullptr) *why = fmt::format("cannot write {}: {}", path, what);
    fs::remove(tmp, ec);  // no half-written temporary is left behind
    return false;
  };
  errno = 0;
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    f.flush();
    if (!f) return fail(errno != 0 ? std::strerror(errno) : "write failed");
  }
  fs::rename(tmp, path, ec);
  if (ec) return fail(ec.message());
  return true;
}

}  // namespace oopsim::traces
