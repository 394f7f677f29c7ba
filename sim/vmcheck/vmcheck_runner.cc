#include "sim/vmcheck/vmcheck_runner.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "traces/campaign/campaign_runner.h"
#include "traces/capture/capture_runner.h"
#include "traces/file_text.h"
#include "traces/import/console_log.h"
#include "traces/packet_source.h"
#include "traces/trace_files.h"
#include "traces/trace_summary.h"

namespace oopsim::sim {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::vector<std::string>& live_policies() {
  static const std::vector<std::string> names{"panic", "kill-faulty", "lock-release",
                                              "subsystem-restart"};
  return names;
}

bool needs_recovery_module(const std::string& policy) {
  return policy == "lock-release" || policy == "subsystem-restart";
}

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Task {
  std::size_t run;  // index into runs
  std::string trace;
  std::string policy;
  models::FaultInfo fault;
  std::vector<std::string> crash_workloads;  // of the trace's crashing context
};

// The workloads of the context that crashed first: a rerun is the same crash only when the
// same workload's process crashes first (pids differ between saved states; workloads do not).
std::vector<std::string> crash_workloads(const traces::TraceSummary& s) {
  if (!s.crash) return {};
  const models::ContextInfo* c = s.model.context(s.crash->context);
  if (c == nullptr) return {};
  if (c->workloads.empty()) return {c->comm};
  return c->workloads;
}

// The prediction for one trace file under one policy; false with `why`.
bool predict_file(const std::string& path, const std::string& policy_name, Prediction& out,
                  std::string& why) {
  auto policy = policies::builtin_policies().create(policy_name, why);
  if (!policy) return false;
  traces::TraceError e;
  auto src = traces::open_trace(path, e);
  if (!src) {
    why = e.message();
    return false;
  }
  traces::TraceReader reader(std::move(src));
  Engine engine;
  if (!engine.run(reader, *policy, policy_name, out, e)) {
    why = e.message();
    return false;
  }
  return true;
}

// One live rerun: capture under the policy, then read the observed outcomes of the rerun.
void rerun(const VmcheckConfig& c, const std::map<std::string, std::string>& goldens, const Task& t,
           CheckRun& r, const Prediction& predicted) {
  std::string state = needs_recovery_module(t.policy) ? c.state : c.plain_state;
  const std::string& golden = goldens.at(state);
  fs::path base =
      fs::path(c.out) / "reruns" / (fs::path(t.trace).filename().string() + "." + t.policy);
  // A finished rerun leaves rerun.status ("<exit code> <seconds>", then the log's last line);
  // with --reuse it is read again instead of rerun, so a changed model is scored against the
  // same live runs.
  int rc = 0;
  std::string last;
  std::string status;
  traces::CaptureConfig cc;
  bool reused = c.reuse && traces::read_file_text(base / "rerun.status", status);
  if (reused) {
    std::istringstream in(status);
    in >> rc >> r.rerun_seconds;
    std::getline(in, last);
    std::getline(in, last);
  } else {
    fs::remove_all(base);
    fs::create_directories(base);
  }
  cc.repo = c.repo;
  cc.cache = c.cache;
  cc.state = state;
  cc.runs = base.string();
  cc.seconds = c.seconds;
  cc.site = t.fault.site();
  cc.fault_type = std::string(models::name(t.fault.type));
  cc.seed = t.fault.seed;
  cc.golden = golden;
  cc.live_policy = t.policy;
  cc.expect = t.fault;
  cc.output = (base / "rerun.pb").string();
  if (reused && c.reimport && fs::exists(base / "injected")) {
    // The kept live run, classified again by the current importer (no VM runs).
    cc.import_only = true;
    std::ostringstream out, log;
    traces::run_capture(cc, traces::run_command_stdout_to_stderr, out, log);
    traces::write_file_text((base / "reimport.log").string(), log.str() + out.str());
  }
  if (!reused) {
    std::ostringstream out, log;
    auto t0 = Clock::now();
    rc = traces::run_capture(cc, traces::run_command_stdout_to_stderr, out, log);
    r.rerun_seconds = since(t0);
    traces::write_file_text((base / "vmcheck.log").string(), log.str() + out.str());
    last = log.str();
    if (auto nl = last.rfind('\n', last.size() >= 2 ? last.size() - 2 : 0); nl != std::string::npos)
      last = last.substr(nl + 1);
    while (!last.empty() && last.back() == '\n') last.pop_back();
    traces::write_file_text((base / "rerun.status").string(),
                            fmt::format("{} {:.3f}\n{}\n", rc, r.rerun_seconds, last));
  }
  r.rerun_dir = base.string();
  const std::string output = (base / "rerun.pb").string();
  std::string console;
  traces::read_file_text(base / "injected" / "console.log", console);
  std::vector<traces::ConsoleReport> reports = traces::parse_console(console);
  bool panicked = false;
  for (const auto& rep : reports) panicked |= rep.type == traces::ConsoleReport::Type::kPanic;
  auto fill = [&](const Prediction& from, auto observed_of) {
    for (const WorkloadPrediction& w : from.workloads) {
      CheckRow row;
      row.trace = t.trace;
      row.policy = t.policy;
      row.workload = w.workload;
      row.predicted = w.predicted.outcome;
      row.predicted_why = w.predicted.why;
      observed_of(w.workload, row);
      r.rows.push_back(std::move(row));
    }
    r.rerun_ok = true;
  };
  if (rc == 0) {
    traces::TraceError e;
    auto src = traces::open_trace(output, e);
    traces::TraceSummary s;
    if (src) {
      traces::TraceReader reader(std::move(src));
      auto observed = [&](const std::string& workload, CheckRow& row) {
        row.observed = models::Outcome::kNotManifest;
        row.observed_why = "(no observed outcome in the rerun)";
        for (const auto& o : s.observed) {
          if (o.workload == workload) {
            row.observed = o.outcome;
            row.observed_why = o.detail;
          }
        }
      };
      bool summarized = traces::summarize(reader, s, e);
      if (summarized && s.crash && crash_workloads(s) != t.crash_workloads) {
        // TCG timing made another context crash first. The rerun is a record of its own: its
        // injected run up to the crash and the golden run are what the engine may read, so the
        // prediction is made again from it (never from its observed outcomes).
        std::string different =
            fmt::format("{} crashed first in the rerun ({} in {}), {} in the trace",
                        fmt::join(crash_workloads(s), ","), models::name(s.crash->oops_kind),
                        s.crash->text, fmt::join(t.crash_workloads, ","));
        Prediction again;
        std::string why;
        if (!predict_file(output, t.policy, again, why)) {
          r.rerun_problem =
              fmt::format("a different crash ({}), which cannot be predicted: {}", different, why);
          return;
        }
        r.predicted_from = "the rerun's own record up to its crash: " + different;
        fill(again, observed);
        return;
      }
      if (summarized && s.crash) {
        fill(predicted, observed);
        return;
      }
      if (!summarized) {
        r.rerun_problem = "the rerun's trace is not valid: " + e.message();
        return;
      }
    }
  }
  if (panicked) {  // the kernel stopped before its trace got out: the console says it all
    fill(predicted, [&](const std::string&, CheckRow& row) {
      row.observed = models::Outcome::kPanic;
      row.observed_why = "Kernel panic in the console";
    });
    return;
  }
  r.rerun_problem = rc != 0 ? fmt::format("the rerun failed (exit {}): {}", rc, last)
                            : std::string(
                                  "the rerun did not crash (the fault did not fire the "
                                  "same way this time)");
}

}  // namespace

int run_vmcheck(const VmcheckConfig& cin, const std::string& simcapture,
                std::vector<CheckRun>& runs, std::ostream& err) {
  VmcheckConfig c = cin;
  if (c.cache.empty()) c.cache = (fs::path(c.repo) / ".cache" / "vm").string();
  if (c.state.empty()) c.state = (fs::path(c.cache) / "state-recover").string();
  if (c.plain_state.empty()) c.plain_state = (fs::path(c.cache) / "state").string();
  const policies::PolicyRegistry& registry = policies::builtin_policies();
  for (const std::string& p : c.policies) {
    const auto& live = live_policies();
    if (std::find(live.begin(), live.end(), p) == live.end()) {
      err << fmt::format("vmcheck: the guest cannot enforce '{}' (it can: {})\n", p,
                         fmt::join(live, ", "));
      return 64;
    }
  }
  std::set<std::string> states;
  for (const std::string& p : c.policies) {
    states.insert(needs_recovery_module(p) ? c.state : c.plain_state);
  }
  for (const std::string& st : states) {
    if (fs::exists(fs::path(st) / "vmstate.zst")) continue;
    err << "vmcheck: no saved state at " << st
        << (st == c.state
                ? " (make the recovery module's with: traces/vm/save.sh " + st + " --recover)"
                : " (make one with simcapture, or traces/vm/save.sh " + st + ")")
        << "\n";
    return 69;
  }
  fs::create_directories(c.out);
  std::vector<std::string> missing;
  std::vector<std::string> files = traces::expand_trace_inputs(c.traces, missing);
  for (const std::string& m : missing) {
    err << "vmcheck: " << m << ": no such file or folder\n";
    return 66;
  }
  // Held-out checks: new injections, as a campaign draws them, until enough crashed.
  if (c.fresh > 0) {
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
    for (; crashes < c.fresh &&
           static_cast<int>((seed - c.fresh_seed) * 15) < c.fresh_max_experiments;
         ++seed) {
      cc.first_seed = seed;
      cc.seeds = 1;
      std::vector<traces::Experiment> batch = traces::plan_campaign(cc);
      if (int rc = traces::run_experiments(cc, targets, batch, err); rc != 0) return rc;
      crashes = 0;
      for (const auto& e : fs::directory_iterator(fs::path(cc.dir) / "traces")) {
        crashes += e.path().extension() == ".pb";
      }
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
      std::uint64_t drawn = std::strtoull(id.c_str() + at + 2, nullptr, 10);
      if (drawn >= c.fresh_seed) cc.seeds = std::max(cc.seeds, drawn - c.fresh_seed + 1);
    }
    traces::write_atomically((fs::path(cc.dir) / "campaign.json").string(),
                             traces::campaign_json(cc));
    std::vector<std::string> fresh;
    for (const auto& e : fs::directory_iterator(fs::path(cc.dir) / "traces")) {
      if (e.path().extension() == ".pb") fresh.push_back(e.path().string());
    }
    std::sort(fresh.begin(), fresh.end());
    if (static_cast<int>(fresh.size()) > c.fresh) fresh.resize(static_cast<std::size_t>(c.fresh));
    files.insert(files.end(), fresh.begin(), fresh.end());
  }
  // Predictions first (fast), then the reruns, `jobs` VMs at a time.
  std::vector<Task> tasks;
  std::vector<Prediction> predictions;
  for (const std::string& f : files) {
    // One read gives the fault and the crash to compare the reruns with.
    std::optional<models::FaultInfo> fault;
    std::string error;
    std::vector<std::string> crashed_first;
    bool ok = false;
    {
      traces::TraceError e;
      auto src = traces::open_trace(f, e);
      traces::TraceSummary s;
      if (src) {
        traces::TraceReader reader(std::move(src));
        ok = traces::summarize(reader, s, e);
      }
      if (ok) {
        fault = s.model.fault;
        crashed_first = crash_workloads(s);
      } else {
        error = src ? "cannot predict: " + e.message() : e.message();
      }
    }
    if (ok && (!fault || fault->after.empty())) {
      ok = false;
      error = "the trace's fault is not a kernel-text mutation: nothing to rerun";
    }
    for (const std::string& p : c.policies) {
      CheckRun r;
      r.trace = f;
      r.policy = p;
      Prediction pred;
      if (ok) {
        auto policy = registry.create(p, error);
        traces::TraceError e;
        auto src = traces::open_trace(f, e);
        auto t0 = Clock::now();
        if (policy && src) {
          traces::TraceReader reader(std::move(src));
          Engine engine;
          if (!engine.run(reader, *policy, p, pred, e)) {
            r.rerun_problem = "cannot predict: " + e.message();
          }
        } else {
          r.rerun_problem = "cannot predict: " + (src ? error : e.message());
        }
        r.predict_seconds = since(t0);
      } else {
        r.rerun_problem = error;
      }
      if (r.rerun_problem.empty()) tasks.push_back({runs.size(), f, p, *fault, crashed_first});
      runs.push_back(std::move(r));
      predictions.push_back(std::move(pred));
    }
  }
  // One golden run per saved state, paired with every rerun from it.
  std::map<std::string, std::string> goldens;
  for (const std::string& st : states) {
    fs::path golden =
        fs::path(c.out) / fmt::format("golden-{}-{}s", fs::path(st).filename().string(), c.seconds);
    goldens[st] = golden.string();
    if (tasks.empty() || fs::exists(golden / "trace.txt")) continue;
    err << "vmcheck: a golden run from " << st << "\n";
    fs::path tmp = golden.string() + ".tmp";
    fs::remove_all(tmp);
    int rc = traces::run_command_stdout_to_stderr(
        {(fs::path(c.repo) / "traces/vm/run_from_state.sh").string(), st, tmp.string(), "--seconds",
         fmt::format("{}", c.seconds)},
        {"OOPSIM_CACHE=" + c.cache});
    std::error_code ec;
    if (rc == 0) fs::rename(tmp, golden, ec);
    if (rc != 0 || ec) {
      err << "vmcheck: the golden run failed (see " << tmp.string() << ")\n";
      return 69;
    }
  }
  std::atomic<std::size_t> next{0};
  std::mutex log_mutex;
  auto worker = [&]() {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      const Task& t = tasks[i];
      rerun(c, goldens, t, runs[t.run], predictions[t.run]);
      std::lock_guard<std::mutex> lock(log_mutex);
      const CheckRun& r = runs[t.run];
      err << fmt::format("vmcheck: [{}/{}] {} under {}: {} in {:.1f} s\n", i + 1, tasks.size(),
                         fs::path(t.trace).filename().string(), t.policy,
                         r.rerun_ok ? "rerun scored" : r.rerun_problem, r.rerun_seconds);
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, c.jobs); ++j) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
  return 0;
}

}  // namespace oopsim::sim
