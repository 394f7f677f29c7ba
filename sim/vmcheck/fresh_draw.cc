#include "sim/vmcheck/fresh_draw.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "models/parse_number.h"
#include "sim/vmcheck/live_rerun.h"
#include "traces/campaign/campaign_config.h"
#include "traces/campaign/campaign_runner.h"
#include "traces/format/file_text.h"

namespace oopsim::sim {

namespace fs = std::filesystem;

namespace {

// The crash traces the draw holds so far, sorted.
std::vector<std::string> crash_traces(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir / "traces")) {
    if (e.path().extension() == ".pb") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int draw_fresh_crashes(const VmcheckConfig& c, const std::string& simcapture,
                       std::vector<std::string>& traces, std::ostream& err) {
  traces::CampaignConfig cc;
  cc.dir = (fs::path(c.out) / "fresh").string();
  cc.simcapture = simcapture;
  cc.repo = c.repo;
  cc.cache = c.cache;
  cc.state = c.plain_state;  // where the corpus was captured
  cc.types = c.fresh_types;
  cc.seconds = c.seconds;
  cc.jobs = c.jobs;
  cc.timeout = 150;
  if (!c.fresh_functions.empty()) {
    std::string text;
    if (!traces::read_file_text(c.fresh_functions, text)) {
      err << "vmcheck: " << c.fresh_functions << ": cannot read\n";
      return 66;
    }
    std::istringstream in(text);
    for (std::string name, calls; in >> name >> calls;) {
      if (cc.functions.size() < cc.hot) cc.functions.push_back(name);
    }
  }
  traces::CampaignTargets targets;
  if (int rc = traces::prepare_campaign(cc, targets, err); rc != 0) return rc;
  int crashes = 0;
  std::uint64_t seed = c.fresh_seed;
  for (;
       crashes < c.fresh && static_cast<int>((seed - c.fresh_seed) * 15) < c.fresh_max_experiments;
       ++seed) {
    cc.first_seed = seed;
    cc.seeds = 1;
    std::vector<traces::Experiment> batch = traces::plan_campaign(cc);
    if (int rc = traces::run_experiments(cc, targets, batch, err); rc != 0) return rc;
    crashes = static_cast<int>(crash_traces(cc.dir).size());
    err << fmt::format("vmcheck: fresh injections: {} crashes after seed {}\n", crashes, seed);
  }
  // The draw as a campaign of its own (the seeds drawn so far), so that simcampaign status,
  // figures, refresh and reimport work on it.
  cc.first_seed = c.fresh_seed;
  cc.seeds = seed - c.fresh_seed;
  for (const auto& e : fs::directory_iterator(fs::path(cc.dir) / "results")) {
    std::string id = e.path().stem().string();  // "<TYPE>-s<seed>"
    auto at = id.rfind("-s");
    if (at == std::string::npos) continue;
    auto parsed = models::parse_u64(std::string_view(id).substr(at + 2), 10);
    if (!parsed) continue;  // not a result of the plan
    std::uint64_t drawn = *parsed;
    if (drawn >= c.fresh_seed) cc.seeds = std::max(cc.seeds, drawn - c.fresh_seed + 1);
  }
  traces::write_atomically((fs::path(cc.dir) / "campaign.json").string(),
                           traces::campaign_json(cc));
  // Who runs each crash's fault site in a fault-free run, then the crashes imported again with
  // it (site-run events), as the bundled corpus was.
  // (Each experiment of the draw made its own golden run; the reimport pairs them with vmcheck's.)
  if (traces::record_site_hits(cc, err) > 0) {
    std::string golden = golden_run(c, c.plain_state, err);
    if (golden.empty()) return 69;
    if (traces::reimport_crashes(cc, err, golden) < 0) return 70;
  }
  std::vector<std::string> fresh = crash_traces(cc.dir);
  if (static_cast<int>(fresh.size()) > c.fresh) fresh.resize(static_cast<std::size_t>(c.fresh));
  traces.insert(traces.end(), fresh.begin(), fresh.end());
  return 0;
}

}  // namespace oopsim::sim
