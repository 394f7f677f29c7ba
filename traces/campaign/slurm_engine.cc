#include "traces/campaign/slurm_engine.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "traces/campaign/campaign_index.h"
#include "traces/campaign/campaign_runner.h"
#include "traces/format/file_text.h"
#include "traces/tools/child_process.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

int run_capture_output(const std::vector<std::string>& argv, std::string& out) {
  int fds[2];
  if (::pipe(fds) != 0) return 71;
  SpawnOptions o;
  o.stdout_fd = fds[1];
  o.close_fd = fds[0];
  pid_t pid = spawn_child(argv, {}, o);
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return 127;
  }
  char buf[4096];
  ssize_t got = 0;
  while ((got = ::read(fds[0], buf, sizeof buf)) > 0)
    out.append(buf, static_cast<std::size_t>(got));
  ::close(fds[0]);
  return wait_child(pid, 71);
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

bool write_script(const fs::path& path, const std::string& body) {
  if (!write_atomically(path.string(), "#!/bin/sh\n" + body)) return false;
  std::error_code ec;
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::replace, ec);
  return !ec;
}

// sbatch --parsable prints "jobid" or "jobid;cluster".
bool sbatch(std::vector<std::string> args, std::string& id, std::ostream& err) {
  args.insert(args.begin(), {"sbatch", "--parsable"});
  std::string out;
  int rc = run_capture_output(args, out);
  id = out.substr(0, out.find_first_of(";\n"));
  if (rc != 0 || id.empty()) {
    err << fmt::format("simcampaign: sbatch failed (exit {}): {}\n", rc, fmt::join(args, " "));
    return false;
  }
  return true;
}

std::string hostname() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

int submit_campaign(const CampaignConfig& given, const std::string& simcampaign, std::ostream& out,
                    std::ostream& err) {
  CampaignConfig c = given;
  c.dir = fs::absolute(c.dir).lexically_normal().string();
  c.jobs = c.slurm.cpus_per_task;
  std::string error;
  if (c.slurm.tasks < 1) {
    err << "simcampaign: --tasks must be at least 1\n";
    return 64;
  }
  if (!save_campaign(c, error)) {
    err << "simcampaign: " << error << "\n";
    return 64;
  }
  fs::path dir(c.dir), sl = dir / "slurm";
  fs::create_directories(sl / "logs");
  fs::create_directories(sl / "tasks");
  for (const char* sub : {"results", "traces", "runs", "consoles"})
    fs::create_directories(dir / sub);
  std::string tool = shell_quote(simcampaign), d = shell_quote(c.dir);
  int tasks = c.slurm.tasks;
  bool ok = write_script(sl / "prepare.sh", fmt::format("exec {} prepare {}\n", tool, d)) &&
            write_script(sl / "task.sh",
                         fmt::format("log={}/slurm/logs/task-${{SLURM_ARRAY_JOB_ID}}_"
                                     "${{SLURM_ARRAY_TASK_ID}}.${{SLURM_RESTART_COUNT:-0}}.log\n"
                                     "exec {} shard {} --task \"$SLURM_ARRAY_TASK_ID\" --tasks {} "
                                     "-j {} >>\"$log\" 2>&1\n",
                                     d, tool, d, tasks, c.slurm.cpus_per_task)) &&
            write_script(sl / "merge.sh", fmt::format("exec {} merge {}\n", tool, d));
  if (!ok) {
    err << "simcampaign: cannot write the job scripts in " << sl.string() << "\n";
    return 73;
  }
  std::string name = "oopsim-" + dir.filename().string();
  std::vector<std::string> common{"--job-name=" + name};
  if (!c.slurm.partition.empty()) common.push_back("--partition=" + c.slurm.partition);
  common.insert(common.end(), c.slurm.extra.begin(), c.slurm.extra.end());
  std::string prep_id, array_id, merge_id;
  CampaignTargets targets;
  bool prepared = load_targets(c, targets, error);
  if (!prepared) {
    std::vector<std::string> a = common;
    a.insert(a.end(), {"--cpus-per-task=1", "--time=" + c.slurm.time_limit,
                       "--output=" + (sl / "logs" / "prepare-%j.log").string(),
                       (sl / "prepare.sh").string()});
    if (!sbatch(a, prep_id, err)) return 69;
  }
  std::vector<std::string> a = common;
  a.insert(a.end(), {fmt::format("--array=0-{}", tasks - 1),
                     fmt::format("--cpus-per-task={}", c.slurm.cpus_per_task),
                     "--time=" + c.slurm.time_limit, "--requeue", "--open-mode=append",
                     "--output=" + (sl / "logs" / "slurm-%A_%a.out").string()});
  if (!prep_id.empty()) a.push_back("--dependency=afterok:" + prep_id);
  a.push_back((sl / "task.sh").string());
  if (!sbatch(a, array_id, err)) return 69;
  std::vector<std::string> m = common;
  m.insert(m.end(),
           {"--cpus-per-task=1", "--time=0:10:00", "--dependency=afterany:" + array_id,
            "--output=" + (sl / "logs" / "merge-%j.log").string(), (sl / "merge.sh").string()});
  if (!sbatch(m, merge_id, err)) return 69;
  json jobs;
  jobs["prepare"] = prep_id;
  jobs["array"] = array_id;
  jobs["tasks"] = tasks;
  jobs["merge"] = merge_id;
  jobs["submitted_at"] = static_cast<std::int64_t>(std::time(nullptr));
  std::string previous;
  json all = json::array();
  if (read_file_text(sl / "jobs.json", previous)) {
    try {
      all = json::parse(previous);
    } catch (const std::exception&) {
    }
  }
  all.push_back(jobs);
  write_atomically((sl / "jobs.json").string(), all.dump(1) + "\n");
  out << fmt::format(
      "simcampaign: {} experiments as Slurm array {} ({} tasks){}; index by job {}; "
      "follow with: simcampaign status {}\n",
      plan_campaign(c).size(), array_id, tasks,
      prep_id.empty() ? "" : fmt::format(" after prepare job {}", prep_id), merge_id, c.dir);
  return 0;
}

int run_shard(const std::string& dir, int task, int tasks, int jobs, std::ostream& out,
              std::ostream& err) {
  CampaignConfig c;
  c.dir = dir;
  std::string error;
  if (!load_campaign(dir, c, error)) {
    err << "simcampaign: " << error << "\n";
    return 66;
  }
  if (jobs > 0) c.jobs = jobs;
  if (task < 0 || task >= tasks) {
    err << fmt::format("simcampaign: task {} is not in 0..{}\n", task, tasks - 1);
    return 64;
  }
  auto env = [](const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : fallback);
  };
  json record;
  record["job"] = env("SLURM_ARRAY_JOB_ID", "local");
  record["task"] = std::to_string(task);
  record["restart"] = env("SLURM_RESTART_COUNT", "0");
  record["host"] = hostname();
  record["pid"] = ::getpid();
  record["log"] =
      fmt::format("{}/slurm/logs/task-{}_{}.{}.log", dir, record["job"].get<std::string>(), task,
                  record["restart"].get<std::string>());
  record["started_at"] = static_cast<std::int64_t>(std::time(nullptr));
  fs::path rec = fs::path(dir) / "slurm" / "tasks" /
                 fmt::format("{}_{}.{}.json", record["job"].get<std::string>(), task,
                             record["restart"].get<std::string>());
  fs::create_directories(rec.parent_path());
  write_atomically(rec.string(), record.dump(1) + "\n");
  CampaignTargets targets;
  int rc = 0;
  if (!load_targets(c, targets, error)) {
    err << "simcampaign: " << error << "\n";
    rc = 66;
  } else {
    std::vector<Experiment> mine = shard(plan_campaign(c), task, tasks);
    rc = run_experiments(c, targets, mine, err);
    if (rc == 0) {
      out << fmt::format("simcampaign: task {}/{} done ({} experiments in its shard)\n", task,
                         tasks, mine.size());
    }
  }
  record["exit"] = rc;
  record["finished_at"] = static_cast<std::int64_t>(std::time(nullptr));
  write_atomically(rec.string(), record.dump(1) + "\n");
  return rc;
}

std::vector<std::string> live_slurm_jobs(const std::string& dir) {
  std::string text;
  if (!read_file_text(fs::path(dir) / "slurm" / "jobs.json", text)) return {};
  std::string queue;
  if (run_capture_output({"squeue", "-h", "-o", "%F"}, queue) != 0) return {};
  std::vector<std::string> live;
  std::istringstream in(queue);
  for (std::string id; in >> id;) live.push_back(id);
  return live;
}

}  // namespace oopsim::traces
