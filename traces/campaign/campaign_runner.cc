#include "traces/campaign/campaign_runner.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include "models/fault_model.h"
#include "traces/campaign/campaign_index.h"
#include "traces/campaign/campaign_internal.h"
#include "traces/campaign/learned_functions.h"
#include "traces/capture/capture_runner.h"
#include "traces/format/file_text.h"
#include "traces/format/packet_source.h"
#include "traces/format/trace_summary.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/kallsyms.h"
#include "traces/tools/child_process.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using namespace campaign_detail;  // NOLINT: this file's own helpers
using json = nlohmann::ordered_json;

namespace campaign_detail {

// Each experiment leads its own process group: a timeout or an interrupt kills QEMU too.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const fs::path& log) {
  SpawnOptions o;
  o.log = log.string();
  o.own_process_group = true;
  return spawn_child(argv, env, o);
}

fs::path cache_of(const CampaignConfig& c) {
  return c.cache.empty() ? fs::path(c.repo) / ".cache" / "vm" : fs::path(c.cache);
}

fs::path state_of(const CampaignConfig& c) {
  return c.state.empty() ? cache_of(c) / "state" : fs::path(c.state);
}

fs::path reference_of(const CampaignConfig& c) {
  return fs::path(c.dir) / fmt::format("reference-{}s", c.seconds);
}

std::vector<std::string> vm_env(const CampaignConfig& c) {
  std::vector<std::string> env{"OOPSIM_CACHE=" + cache_of(c).string()};
  if (!c.kernel_pin.empty()) {
    fs::path pin(c.kernel_pin);
    env.push_back("OOPSIM_KERNEL_PIN=" +
                  (pin.is_absolute() ? pin : fs::path(c.repo) / pin).string());
  }
  return env;
}

int wait_for(pid_t pid) {
  return wait_child(pid, 69);
}

// What the trace (or, without one, the console) says about the run: the crash, the observed
// outcomes, the scope.
void add_trace_facts(json& r, const fs::path& trace, const std::string& console) {
  r["crashed"] = false;
  // No trace, or an empty one: a crash can take the guest's trace streamer down with it (say,
  // in the scheduler, or in the streamer's own context). The console still tells the crash; the
  // run has no replayable trace.
  auto from_console = [&](const std::string& why) {
    r["error"] = why;
    for (const ConsoleReport& rep : parse_console(console)) {
      if (rep.type != ConsoleReport::Type::kOops) continue;
      r["crashed"] = true;
      r["crash_kind"] = std::string(models::name(rep.kind));
      r["crash_function"] = rep.function;
      r["error"] = why + "; the console shows the crash, the trace does not";
      break;
    }
  };
  TraceError e;
  auto src = open_trace(trace.string(), e);
  if (!src) {
    from_console(e.message());
    return;
  }
  TraceReader reader(std::move(src));
  TraceSummary s;
  if (!summarize(reader, s, e)) {
    from_console(e.message());
    return;
  }
  if (s.crash) {
    r["crashed"] = true;
    r["crash_kind"] = std::string(models::name(s.crash->oops_kind));
    r["crash_function"] = s.crash->text;
  }
  json obs = json::object();
  for (const auto& o : s.observed) obs[o.workload] = std::string(models::name(o.outcome));
  r["observed"] = obs;
  if (s.crash) {
    // The glossary's scope, from the trace (held locks others take later).
    std::vector<std::string> own;
    if (const auto* ctx = s.model.context(s.crash->context)) own = ctx->workloads;
    r["crash_workloads"] = own;
    if (s.scope) {
      r["scope"] = std::string(models::name(*s.scope));
      r["scope_why"] = s.scope_why;
    }
  }
}

const std::string& FunctionLists::for_type(const std::string& type) {
  auto it = lists_.find(type);
  if (it != lists_.end()) return it->second;
  std::string hot = fmt::format("{}", fmt::join(t_.hot, ","));
  if (t_.all.size() > t_.hot.size()) {
    fs::path log = fs::path(c_.dir) / "runs" / fmt::format("{}-dry-run.{}.log", type, ::getpid());
    std::vector<std::string> argv{
        c_.simcapture, "--dry-run", "--fault-type",        type,     "--functions", hot, "--seed",
        "1",           "--state",   state_of(c_).string(), "--repo", c_.repo};
    if (!t_.coverage.empty()) argv.insert(argv.end(), {"--coverage", t_.coverage});
    // The campaign's cache (its vmlinux): without it the dry run looks in <repo>/.cache/vm, fails
    // when the cache is elsewhere, and every type fell back to all the functions.
    if (!c_.cache.empty()) argv.insert(argv.end(), {"--cache", c_.cache});
    int rc = wait_for(spawn(argv, env_, log));
    std::error_code ec;
    fs::remove(log, ec);
    if (rc != 0) {
      err_ << fmt::format("simcampaign: no {} site in the hot functions; using all {}\n", type,
                          t_.all.size());
      hot = fmt::format("{}", fmt::join(t_.all, ","));
    }
  }
  return lists_.emplace(type, hot).first->second;
}

}  // namespace campaign_detail

namespace {

// Process groups of the experiments under way: a campaign that is interrupted takes its VMs
// down with it (the results of unfinished experiments are simply not written).
volatile sig_atomic_t g_children[16];
volatile sig_atomic_t g_child_count = 0;

void stop_children(int sig) {
  for (sig_atomic_t i = 0; i < g_child_count; ++i) {
    if (g_children[i] > 0) kill(-static_cast<pid_t>(g_children[i]), SIGKILL);
  }
  _exit(128 + sig);
}

void track_children(const std::vector<pid_t>& pids) {
  sig_atomic_t n = 0;
  for (pid_t p : pids) {
    if (n < 16) g_children[n++] = p;
  }
  g_child_count = n;
}

// Why a run failed, from its log: vmctl's or simcapture's own message (the last), else the last
// line.
std::string harness_cause(const std::string& log) {
  std::string last, said;
  for (std::istringstream in(log); std::getline(in, last);) {
    if (last.rfind("vmctl: ", 0) == 0 || last.rfind("SystemExit: ", 0) == 0 ||
        (last.rfind("simcapture: ", 0) == 0 && last.find("failed") != std::string::npos))
      said = said.rfind("vmctl: ", 0) == 0 && last.rfind("simcapture: ", 0) == 0 ? said : last;
  }
  if (!said.empty()) return said;
  std::istringstream in(log);
  std::string line, nonempty = "(no log)";
  while (std::getline(in, line))
    if (!line.empty()) nonempty = line;
  return nonempty;
}

json summarize_result(const Experiment& x, const fs::path& trace, const std::string& log,
                      const std::string& console, double seconds, int status) {
  json r;
  r["id"] = x.id;
  r["type"] = x.type;
  r["seed"] = x.seed;
  r["exit"] = status;
  r["seconds"] = seconds;
  r["activated"] = log.find("fault activated") != std::string::npos;
  r["crashed"] = false;
  r["timed_out"] = status == 124;
  std::string site_text;
  for (std::istringstream in(log); std::getline(in, site_text);) {
    if (site_text.rfind("simcapture: ", 0) == 0 && site_text.find(" at ") != std::string::npos &&
        site_text.find("seed") != std::string::npos) {
      site_text = site_text.substr(12);
      r["site"] = site_text.substr(site_text.find(" at ") + 4,
                                   site_text.find(" (") - site_text.find(" at ") - 4);
      break;
    }
  }
  if (!r.contains("site")) r["site"] = "";
  if (log.find(kNotImported) != std::string::npos) {
    r["observed"] = json::object();  // no crash: nothing imported, nothing to observe
    return r;
  }
  add_trace_facts(r, trace, console);
  return r;
}

// Where the injected run's time went (vmctl run's timing.json), for the cost breakdown of an
// experiment: restore, the wait for activation, the run after it, and why it stopped early.
void add_run_timing(json& r, const fs::path& timing) {
  std::string text;
  if (!read_file_text(timing, text)) return;
  json t = json::parse(text, nullptr, false);
  if (!t.is_object()) return;
  json out = json::object();
  for (const char* k : {"restore_s", "cont_at_s", "ran_s", "stopped"})
    if (t.contains(k)) out[k] = t[k];
  if (t.contains("patch") && t["patch"].is_object() && t["patch"].contains("activated_after_s"))
    out["activated_after_s"] = t["patch"]["activated_after_s"];
  r["run"] = out;
}

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

namespace {

// The coverage file sites are drawn from ("": all code).
std::string coverage_of(const CampaignConfig& c) {
  if (c.sites != "executed") return "";
  return c.coverage.empty() ? (fs::path(c.dir) / "coverage.txt").string() : c.coverage;
}

bool wants_recorded_coverage(const CampaignConfig& c) {
  return c.sites == "executed" && c.coverage.empty();
}

// The campaign's coverage.txt: the reference run's when it recorded one, else a fault-free run
// of its own (setup first: it builds the QEMU plugin). Returns an exit code.
int prepare_coverage(const CampaignConfig& c, std::ostream& err) {
  fs::path dir(c.dir);
  fs::path out = dir / "coverage.txt";
  if (!wants_recorded_coverage(c) || fs::exists(out)) return 0;
  std::error_code ec;
  fs::path ref = reference_of(c) / "coverage.txt";
  if (fs::exists(ref)) {
    fs::copy_file(ref, out.string() + ".tmp", fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(out.string() + ".tmp", out, ec);
    return ec ? 74 : 0;
  }
  err << "simcampaign: a fault-free run to record the kernel instructions the workloads execute\n";
  std::vector<std::string> env = vm_env(c);
  fs::path vm = fs::path(c.repo) / "traces/vm";
  fs::path tmp = dir / fmt::format("coverage-run.{}.{}", host_name(), ::getpid());
  fs::remove_all(tmp, ec);
  int rc = wait_for(spawn({(vm / "setup.sh").string()}, env, dir / "coverage.log"));
  if (rc == 0) {
    rc = wait_for(spawn({(vm / "run_from_state.sh").string(), state_of(c).string(), tmp.string(),
                         "--seconds", fmt::format("{}", c.seconds), "--coverage"},
                        env, dir / "coverage.log"));
  }
  if (rc == 0) fs::rename(tmp / "coverage.txt", out, ec);
  fs::remove_all(tmp);
  if (rc != 0 || ec) {
    err << "simcampaign: the coverage run failed (see " << (dir / "coverage.log").string()
        << "; it needs the QEMU plugin, which traces/vm/setup.sh builds; --sites all draws from "
           "all code)\n";
    return 69;
  }
  return 0;
}

// The reference golden run (it records the coverage too when the campaign draws from it).
std::vector<std::string> reference_argv(const CampaignConfig& c, const fs::path& run) {
  std::vector<std::string> argv{(fs::path(c.repo) / "traces/vm/run_from_state.sh").string(),
                                state_of(c).string(), run.string(), "--seconds",
                                fmt::format("{}", c.seconds)};
  if (wants_recorded_coverage(c)) argv.push_back("--coverage");
  return argv;
}

int learn_targets(const CampaignConfig& c, CampaignTargets& t, std::ostream& err);

}  // namespace

int prepare_campaign(const CampaignConfig& c, CampaignTargets& t, std::ostream& err) {
  fs::path dir(c.dir);
  for (const char* sub : {"results", "failed", "traces", "runs", "consoles"})
    fs::create_directories(dir / sub);
  int rc = 0;
  if (!c.functions.empty()) {
    t.hot = c.functions;
  } else {
    rc = learn_targets(c, t, err);
  }
  if (rc == 0) rc = prepare_coverage(c, err);
  t.coverage = coverage_of(c);
  return rc;
}

namespace {

// Which saved state a run restored: its machine state file's size and modification time (a state
// saved again, e.g. after the guest changed, is another one).
std::string state_identity(const CampaignConfig& c) {
  fs::path vmstate = state_of(c) / "vmstate.zst";
  std::error_code ec;
  auto size = fs::file_size(vmstate, ec);
  if (ec) return "";
  auto when = fs::last_write_time(vmstate, ec).time_since_epoch().count();
  return ec ? "" : fmt::format("{} {}", size, when);
}

// The reference golden run, made once per saved state: the functions are learned from it, and
// every experiment's injected run is paired with it. A campaign restored from its snapshot has
// the functions but not the run, which is recorded again here, and so is a run from a state that
// was saved again since (state-id; a reference without one is taken as the current state's).
// Returns an exit code.
int ensure_reference(const CampaignConfig& c, std::ostream& err) {
  fs::path dir(c.dir);
  fs::path ref = reference_of(c);
  std::string id = state_identity(c), recorded;
  if (fs::exists(ref / "trace.txt")) {
    if (!read_file_text(ref / "state-id", recorded)) {
      write_file_text(ref / "state-id", id);
      return 0;
    }
    if (recorded == id) return 0;
    err << "simcampaign: the saved state changed since the reference golden run; recording it "
           "again\n";
    fs::remove_all(ref);
  }
  err << "simcampaign: the reference golden run (the workloads, no fault)\n";
  std::vector<std::string> env = vm_env(c);
  fs::path tmp = ref.string() + fmt::format(".{}.{}", host_name(), ::getpid());
  fs::remove_all(tmp);
  int rc = wait_for(spawn(reference_argv(c, tmp), env, dir / "reference.log"));
  std::error_code ec;
  if (rc == 0) write_file_text(tmp / "state-id", id);
  if (rc == 0) fs::rename(tmp, ref, ec);
  if (rc != 0 || ec) {
    err << "simcampaign: the reference golden run failed (see " << (dir / "reference.log").string()
        << "; is there a saved state? run simcapture once)\n";
    return 69;
  }
  return 0;
}

int learn_targets(const CampaignConfig& c, CampaignTargets& t, std::ostream& err) {
  fs::path dir(c.dir);
  std::string error;
  if (load_targets(c, t, error)) return ensure_reference(c, err);
  // Targets that are reached: learn them from a golden run of the workloads.
  fs::path ref = reference_of(c);
  if (int rc = ensure_reference(c, err); rc != 0) return rc;
  std::string trace, syms, coverage;
  read_file_text(ref / "trace.txt", trace);
  read_file_text(ref / "kallsyms", syms);
  std::vector<std::pair<std::string, std::size_t>> learned;
  if (c.modules.empty()) {
    learned = learn_functions(trace, syms);
  } else if (int rc = prepare_coverage(c, err); rc != 0) {
    return rc;
  } else {
    read_file_text(coverage_of(c), coverage);
    learned = learn_module_functions(coverage, syms, c.modules);
  }
  std::string list;
  for (const auto& [name, n] : learned) list += fmt::format("{} {}\n", name, n);
  std::string what =
      c.modules.empty() ? "vmlinux" : fmt::format("{} module", fmt::join(c.modules, ","));
  if (learned.empty() || !write_atomically((dir / "functions.txt").string(), list)) {
    err << "simcampaign: no " << what << " function learned from " << ref.string() << "\n";
    return 65;
  }
  if (!load_targets(c, t, error)) {
    err << "simcampaign: " << error << "\n";
    return 74;
  }
  err << fmt::format("simcampaign: {} {} functions executed by the workloads, {} most-{} kept\n",
                     t.all.size(), what, t.hot.size(), c.modules.empty() ? "called" : "executed");
  return 0;
}

}  // namespace

bool load_targets(const CampaignConfig& c, CampaignTargets& t, std::string& error) {
  if (!c.functions.empty()) {
    t.hot = c.functions;
    t.coverage = coverage_of(c);
    return true;
  }
  fs::path dir(c.dir);
  std::string text;
  if (!read_file_text(dir / "functions.txt", text)) {
    error = (dir / "functions.txt").string() + ": missing (the campaign is not prepared)";
    return false;
  }
  t = {};
  std::istringstream in(text);
  std::string name;
  std::size_t calls = 0;
  while (in >> name >> calls) {
    if (c.hot == 0 || t.hot.size() < c.hot) t.hot.push_back(name);
    t.all.push_back(name);
  }
  t.golden = reference_of(c).string();
  t.coverage = coverage_of(c);
  return !t.hot.empty();
}

int run_experiments(const CampaignConfig& c, const CampaignTargets& t,
                    const std::vector<Experiment>& experiments, std::ostream& err) {
  fs::path dir(c.dir);
  fs::path state = state_of(c);
  // The experiments' runs are not symbolised (trace.sym.txt, for people; a kept raw run can be).
  std::vector<std::string> env = vm_env(c);
  env.push_back("OOPSIM_SYMBOLIZE=0");
  struct sigaction sa {};
  sa.sa_handler = stop_children;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::vector<Experiment> todo;
  for (const Experiment& x : experiments) {
    if (!fs::exists(dir / "results" / (x.id + ".json"))) todo.push_back(x);  // resumable
  }
  err << fmt::format("simcampaign: {} experiments here, {} to run\n", experiments.size(),
                     todo.size());
  FunctionLists lists(c, t, env, err);
  auto functions_for = [&](const std::string& type) -> const std::string& {
    return lists.for_type(type);
  };
  struct Running {
    Experiment x;
    pid_t pid;
    fs::path work;  // this attempt's own folder
    std::chrono::steady_clock::time_point started;
  };
  std::vector<Running> running;
  std::size_t next = 0, done = 0;
  auto t0 = std::chrono::steady_clock::now();
  const char* job = std::getenv("SLURM_JOB_ID");
  std::string attempt = fmt::format("{}.{}", host_name(), ::getpid());
  std::string write_error;  // set when the campaign folder cannot take a result: the run stops
  auto finish = [&](const Running& r, int status) {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    fs::path trace = r.work / "trace.pb";
    std::string log, console;
    read_file_text(r.work / "simcapture.log", log);
    read_file_text(r.work / "injected" / "console.log", console);
    std::error_code ec;
    if (status != 0 && status != 124) {
      // The harness failed (the VM was killed, QEMU hung, a step failed): not an experiment's
      // outcome. Reported and kept in failed/, not counted; a rerun runs it again.
      json f = {{"id", r.x.id},
                {"type", r.x.type},
                {"seed", r.x.seed},
                {"exit", status},
                {"seconds", secs},
                {"cause", harness_cause(log)},
                {"worker", attempt},
                {"log_tail", log.substr(log.size() > 4000 ? log.size() - 4000 : 0)},
                {"finished_at", static_cast<std::int64_t>(std::time(nullptr))}};
      err << fmt::format(
          "\nsimcampaign: {}: the harness failed (exit {}): {}; not counted, rerun "
          "on resume\n",
          r.x.id, status, f["cause"].get<std::string>());
      if (!write_atomically((dir / "failed" / (r.x.id + ".json")).string(), f.dump(1) + "\n",
                            &write_error))
        return;
      fs::remove_all(r.work, ec);
      return;
    }
    json result = summarize_result(r.x, trace, log, console, secs, status);
    add_run_timing(result, r.work / "injected" / "timing.json");
    if (status == 124)
      result["error"] = fmt::format("timed out after {:.0f} s; last: {}", secs, harness_cause(log));
    result["finished_at"] = static_cast<std::int64_t>(std::time(nullptr));
    result["worker"] = attempt;
    if (job != nullptr) result["slurm_job"] = job;
    if (!write_atomically((dir / "consoles" / (r.x.id + ".console.log")).string(), console,
                          &write_error))
      return;
    if (result["crashed"].get<bool>() && fs::exists(trace)) {
      fs::rename(trace, dir / "traces" / (r.x.id + ".pb"), ec);
    }
    if (result["crashed"].get<bool>()) {
      // The raw injected run of a crash is kept (raw/<id>/), so that a newer importer can
      // import it again (simcampaign reimport) without rerunning the VM; so is its own golden
      // run (raw/<id>.golden/) when there is no reference golden run to pair it with.
      fs::remove_all(dir / "raw" / r.x.id, ec);
      fs::create_directories(dir / "raw", ec);
      fs::rename(r.work / "injected", dir / "raw" / r.x.id, ec);
      if (t.golden.empty() && fs::exists(r.work / "golden")) {
        fs::remove_all(dir / "raw" / (r.x.id + ".golden"), ec);
        fs::rename(r.work / "golden", dir / "raw" / (r.x.id + ".golden"), ec);
      }
    }
    // The result last: once it exists the experiment counts as done.
    if (!write_atomically((dir / "results" / (r.x.id + ".json")).string(), result.dump(1) + "\n",
                          &write_error))
      return;
    fs::remove((dir / "failed" / (r.x.id + ".json")), ec);  // an earlier harness failure
    fs::remove_all(r.work, ec);  // the raw runs are large; the trace keeps what matters
    ++done;
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < c.jobs) {
      const Experiment& x = todo[next++];
      if (fs::exists(dir / "results" / (x.id + ".json"))) continue;  // another worker did it
      fs::path work = dir / "runs" / fmt::format("{}.{}", x.id, attempt);
      fs::remove_all(work);
      fs::create_directories(work);
      std::vector<std::string> argv{c.simcapture,
                                    "-o",
                                    (work / "trace.pb").string(),
                                    "--fault-type",
                                    x.type,
                                    "--functions",
                                    functions_for(x.type),
                                    "--seed",
                                    std::to_string(x.seed),
                                    "--seconds",
                                    fmt::format("{}", c.seconds),
                                    "--state",
                                    state.string(),
                                    "--runs",
                                    work.string(),
                                    "--repo",
                                    c.repo};
      if (!c.cache.empty()) argv.insert(argv.end(), {"--cache", c.cache});
      if (!t.coverage.empty()) argv.insert(argv.end(), {"--coverage", t.coverage});
      if (!t.golden.empty()) argv.insert(argv.end(), {"--golden", t.golden});
      // A run without a crash leaves no trace to keep: it is not imported.
      argv.push_back("--import-crashes-only");
      if (c.activation_wait > 0)
        argv.insert(argv.end(), {"--activation-wait", fmt::format("{}", c.activation_wait)});
      if (c.stop_quiet > 0)
        argv.insert(argv.end(), {"--stop-quiet", fmt::format("{}", c.stop_quiet)});
      pid_t pid = spawn(argv, env, work / "simcapture.log");
      if (pid < 0) {
        err << "simcampaign: cannot start " << c.simcapture << "\n";
        return 69;
      }
      running.push_back({x, pid, work, std::chrono::steady_clock::now()});
      std::vector<pid_t> pids;
      for (const Running& r : running) pids.push_back(r.pid);
      track_children(pids);
    }
    // A short poll: an experiment takes 3-4 s when it stops early, and a slot left idle for a
    // 200 ms poll cost 3% of the campaign.
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    for (std::size_t i = 0; i < running.size();) {
      int status = 0;
      pid_t got = waitpid(running[i].pid, &status, WNOHANG);
      double age =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - running[i].started)
              .count();
      if (got == 0 && age > c.timeout) {
        kill(-running[i].pid, SIGKILL);  // the whole group: simcapture, the scripts, QEMU
        waitpid(running[i].pid, &status, 0);
        finish(running[i], 124);
        running.erase(running.begin() + static_cast<long>(i));
        continue;
      }
      if (got == running[i].pid) {
        finish(running[i], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        running.erase(running.begin() + static_cast<long>(i));
        continue;
      }
      ++i;
    }
    if (!write_error.empty()) {
      // The folder cannot take results (a full disk): running on would only lose more work.
      for (const Running& r : running) {
        kill(-r.pid, SIGKILL);
        int status = 0;
        waitpid(r.pid, &status, 0);
      }
      err << fmt::format(
          "\nsimcampaign: {}; stopping. Every result written so far is kept; the experiments "
          "without one run again on resume (make room, then run the same command)\n",
          write_error);
      return 74;
    }
    if (c.progress) {
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double eta =
          done == 0 ? 0
                    : elapsed / static_cast<double>(done) * static_cast<double>(todo.size() - done);
      std::size_t width = 30, filled = todo.empty() ? width : width * done / todo.size();
      err << fmt::format("\r[{}{}] {}/{} ETA {:02}:{:02}", std::string(filled, '#'),
                         std::string(width - filled, '.'), done, todo.size(),
                         static_cast<int>(eta) / 60, static_cast<int>(eta) % 60)
          << std::flush;
    }
  }
  if (c.progress) err << "\n";
  return 0;
}

int run_campaign(const CampaignConfig& c, std::ostream& out, std::ostream& err) {
  std::string error;
  if (!save_campaign(c, error)) {
    err << "simcampaign: " << error << "\n";
    return 64;
  }
  CampaignTargets targets;
  if (int rc = prepare_campaign(c, targets, err); rc != 0) return rc;
  std::vector<Experiment> plan = plan_campaign(c);
  err << fmt::format("simcampaign: {} experiments planned\n", plan.size());
  if (int rc = run_experiments(c, targets, plan, err); rc != 0) return rc;
  return campaign_status(c.dir, out);
}

}  // namespace oopsim::traces
