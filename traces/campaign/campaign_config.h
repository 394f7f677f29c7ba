// A campaign's settings and its plan. The settings are kept in <dir>/campaign.json so that every
// worker (the local runner, or a Slurm array task on another node) runs the same plan, and the
// plan is split into deterministic shards: experiment i of the plan belongs to task i mod tasks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oopsim::traces {

struct SlurmOptions {
  int tasks = 4;                       // array tasks (shards)
  std::string partition;               // "" : the cluster's default
  std::string time_limit = "2:00:00";  // per array task
  int cpus_per_task = 2;               // VMs a task runs at a time (one CPU each)
  std::vector<std::string> extra;      // more sbatch options, as given
};

struct CampaignConfig {
  std::string dir;         // campaign folder: results/, traces/, runs/, index.csv
  std::string simcapture;  // path of the simcapture binary
  std::string repo;        // source tree (traces/vm)
  std::string cache;       // VM cache ("": <repo>/.cache/vm)
  std::string state;       // saved state ("": <cache>/state)
  // The kernel build: a pin file (traces/vm/kernel.pin's form; relative to `repo` unless
  // absolute) that every VM run of the campaign gets as OOPSIM_KERNEL_PIN ("": the repository's
  // traces/vm/kernel.pin). Part of the plan: a Slurm array's tasks run the same kernel.
  std::string kernel_pin;
  std::vector<std::string> types;  // fault types ("": all 15)
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 1;  // seeds per type
  // Of the types x seeds, only these experiment ids ("<type>-s<seed>"; empty: all of them), to
  // capture a chosen set again (say the crashes of an earlier corpus) with the current pipeline.
  std::vector<std::string> only;
  std::vector<std::string> functions;  // target functions ("": learned from a golden run)
  // Module sites: learn the functions of these modules ("ext4", "fat"...) that the reference
  // run executed (its coverage; the most-executed first) instead of vmlinux's lock callers.
  std::vector<std::string> modules;
  std::size_t hot = 60;  // learned functions: keep the N most-called (0: all)
  // "executed": sites only from kernel instructions a fault-free run executed (that run's
  // coverage.txt, or the `coverage` file); "all": from all of the functions' code. Campaigns
  // from before this choice existed drew from all.
  std::string sites = "executed";
  std::string coverage;  // a fault-free run's coverage.txt to use ("": recorded by the campaign)
  double seconds = 12;   // per run
  // An injected run ends early when its fault has not activated within `activation_wait` seconds
  // (0: it waits `seconds`, then runs `seconds` more), or when the console shows no crash
  // `stop_quiet` seconds after activation (0: it runs `seconds`). A crash's run goes on for the
  // whole `seconds`: what follows it is observed as before. Golden runs always run `seconds`.
  double activation_wait = 0;
  double stop_quiet = 0;
  double timeout = 240;  // per experiment, then it is killed
  int jobs = 2;
  bool progress = false;         // progress bar and ETA on stderr
  std::string engine = "local";  // or "slurm"
  SlurmOptions slurm;
};

struct Experiment {
  std::string id;  // "<type>-s<seed>"
  std::string type;
  std::uint64_t seed = 0;
};

// Seeds outer, types inner: a campaign cut short still covers every type. With `only`, just
// those experiments, in the same order.
std::vector<Experiment> plan_campaign(const CampaignConfig& config);
// The experiments of shard `task` (0-based) of `tasks`.
std::vector<Experiment> shard(const std::vector<Experiment>& plan, int task, int tasks);

// <dir>/campaign.json: what defines the plan and how to run it (not `dir` or `progress`).
std::string campaign_json(const CampaignConfig& config);
// The text of a campaign.json into `config`; false and `error` ("WHERE: what") when it is not
// JSON, lacks a field, or holds a value the runner cannot use.
bool parse_campaign_json(const std::string& text, const std::string& where, CampaignConfig& config,
                         std::string& error);
constexpr std::uint64_t kMaxSeeds = 1000000;
// Reads <dir>/campaign.json into `config` (keeping config.dir); false and `error` otherwise.
bool load_campaign(const std::string& dir, CampaignConfig& config, std::string& error);
// Writes it atomically; false and `error` when a different plan is already there.
bool save_campaign(const CampaignConfig& config, std::string& error);

// Writes `text` to `path` atomically (a temporary file unique to this process, then rename): a
// killed worker never leaves half a file, and two workers never write the same temporary.
// False with `why` ("cannot write PATH: No space left on device") when it cannot; then neither the
// file nor a temporary is left.
bool write_atomically(const std::string& path, const std::string& text, std::string* why = nullptr);

}  // namespace oopsim::traces
