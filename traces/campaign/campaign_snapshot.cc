#include "traces/campaign/campaign_snapshot.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "traces/campaign/campaign_config.h"
#include "traces/campaign/campaign_index.h"
#include "traces/format/file_text.h"
#include "traces/format/xz_encoder.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

int snapshot_campaign(const std::string& dir, const std::string& to, std::ostream& out,
                      std::ostream& err) {
  CampaignConfig config;
  std::string error;
  if (!load_campaign(dir, config, error)) {
    err << "simcampaign: " << error << "\n";
    return 66;
  }
  std::vector<json> results = read_results(dir);
  std::string lines;
  int crashed = 0;
  for (json r : results) {
    r.erase("worker");  // the machine's, not the experiment's
    crashed += r.value("crashed", false);
    lines += r.dump() + "\n";
  }
  std::string index;
  std::error_code ec;
  fs::create_directories(to, ec);
  json plan = json::parse(campaign_json(config));
  // The machine's paths are blanked (the plan still parses: a resume names its own).
  for (const char* local : {"simcapture", "repo", "cache", "state"}) plan[local] = "";
  std::string functions;
  read_file_text(fs::path(dir) / "functions.txt", functions);
  index = index_csv(results);  // the running campaign writes its own only at the end
  for (const auto& [name, text] :
       {std::pair<std::string, std::string>{"campaign.json", plan.dump(1) + "\n"},
        {"functions.txt", functions},
        {"index.csv", index},
        {"results.jsonl", lines}}) {
    if (text.empty() && name != "results.jsonl") continue;
    if (!write_atomically((fs::path(to) / name).string(), text, &error)) {
      err << "simcampaign: " << error << "\n";
      return 74;
    }
  }
  // The executed instructions its sites are drawn from (the same sites on a resume elsewhere).
  fs::path coverage = fs::path(dir) / "coverage.txt";
  if (fs::exists(coverage) &&
      !xz_compress_file(coverage.string(), (fs::path(to) / "coverage.txt.xz").string(), 9, error)) {
    err << "simcampaign: " << error << "\n";
    return 74;
  }
  out << fmt::format("simcampaign: {} results ({} crashes) of {} planned in {}\n", results.size(),
                     crashed, plan_campaign(config).size(), to);
  return 0;
}

}  // namespace oopsim::traces
