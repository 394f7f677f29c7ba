// simcampaign --engine=slurm: a campaign as Slurm jobs. A prepare job learns the targets (when
// they are not given), one job array runs the shards (task i runs experiments i, i+tasks, ...
// of the plan, `cpus_per_task` VMs at a time), and a merge job, after the array whatever its
// fate, builds the index. Every task writes each finished experiment atomically into the
// campaign folder (on a shared file system) and skips those already there, so a requeued or
// rerun task neither loses nor duplicates any. Each task attempt leaves a record in
// slurm/tasks/ and its own log in slurm/logs/.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "traces/campaign/campaign_config.h"

namespace oopsim::traces {

// Submits the campaign with sbatch; `simcampaign` is this tool's absolute path (the tasks run
// it). Prints the job ids; writes slurm/jobs.json. Returns an exit code.
int submit_campaign(const CampaignConfig& config, const std::string& simcampaign, std::ostream& out,
                    std::ostream& err);

// One array task: runs its shard of the campaign in `dir` (campaign.json and the prepared
// targets must be there). Returns an exit code.
int run_shard(const std::string& dir, int task, int tasks, int jobs, std::ostream& out,
              std::ostream& err);

// The campaign's Slurm jobs still queued or running (squeue); empty when there are none or
// Slurm is not there.
std::vector<std::string> live_slurm_jobs(const std::string& dir);

// Runs argv and returns its exit status, with its standard output in `out`.
int run_capture_output(const std::vector<std::string>& argv, std::string& out);

}  // namespace oopsim::traces
