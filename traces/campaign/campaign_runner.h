// simcampaign's local runner: many paired runs (fault types x seeds), two VMs at a time, each
// experiment's result written atomically so that a killed campaign resumes where it stopped, a
// hung experiment killed at a bounded timeout, an index CSV built from the results.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace oopsim::traces {

struct CampaignConfig {
  std::string dir;                 // campaign folder: results/, traces/, runs/, index.csv
  std::string simcapture;          // path of the simcapture binary
  std::string repo;                // source tree (traces/vm)
  std::string cache;               // VM cache ("": <repo>/.cache/vm)
  std::string state;               // saved state ("": <cache>/state)
  std::vector<std::string> types;  // fault types ("": all 15)
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 1;             // seeds per type
  std::vector<std::string> functions;  // target functions ("": learned from a golden run)
  std::size_t hot = 60;                // learned functions: keep the N most-called (0: all)
  double seconds = 12;                 // per run
  double timeout = 240;                // per experiment, then it is killed
  int jobs = 2;
  bool progress = false;  // progress bar and ETA on stderr
};

struct Experiment {
  std::string id;  // "<type>-s<seed>"
  std::string type;
  std::uint64_t seed = 0;
};

std::vector<Experiment> plan_campaign(const CampaignConfig& config);
// Runs what is not finished yet; returns an exit code.
int run_campaign(const CampaignConfig& config, std::ostream& out, std::ostream& err);
// Rebuilds index.csv from the results; prints how many are done.
int campaign_status(const std::string& dir, std::size_t planned, std::ostream& out);

}  // namespace oopsim::traces
