// A campaign's state, read from what its workers left: one result per finished experiment, and
// for Slurm array tasks one record per task attempt. Nothing here needs the workers to be alive,
// so `simcampaign status` works while a campaign runs, wherever it runs.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace oopsim::traces {

// One Slurm array task attempt, from <dir>/slurm/tasks/<job>_<task>.<restart>.json.
struct TaskRecord {
  std::string job, task, restart;  // Slurm ids; restart: SLURM_RESTART_COUNT (0 first)
  std::string host;
  std::string log;           // the task's stdout/stderr
  bool finished = false;     // it wrote its end
  int exit_code = -1;        // when finished
  long long started_at = 0;  // Unix seconds
};

std::vector<TaskRecord> read_task_records(const std::string& dir);

// The finished experiments' results (results/*.json), sorted by id.
std::vector<nlohmann::ordered_json> read_results(const std::string& dir);

// index.csv's text: one row per result, in the results' order.
std::string index_csv(const std::vector<nlohmann::ordered_json>& results);

// Rebuilds <dir>/index.csv from results/ (sorted by id: the same bytes whoever ran what) and
// prints done/planned, activated, crashed, the rate and ETA from the results' finish times, and
// the Slurm tasks that failed or stopped without finishing (with their logs). `live_jobs` are
// the Slurm jobs still queued or running ("" unknown). Returns 0.
int campaign_status(const std::string& dir, std::ostream& out,
                    const std::vector<std::string>& live_jobs = {});

}  // namespace oopsim::traces
