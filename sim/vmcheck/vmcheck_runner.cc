#include "sim/vmcheck/vmcheck_runner.h"

#include "sim/vmcheck/fresh_draw.h"
#include "sim/vmcheck/live_rerun.h"

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

#include "sim/engine.h"
#include "traces/capture/capture_runner.h"
#include "traces/format/packet_source.h"
#include "traces/format/trace_files.h"
#include "traces/format/trace_summary.h"

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

}  // namespace

int run_vmcheck(const VmcheckConfig& cin, const std::string& simcapture,
                std::vector<CheckRun>& runs, std::ostream& err) {
  VmcheckConfig c = cin;
  if (c.cache.empty()) c.cache = (fs::path(c.repo) / ".cache" / "vm").string();
  if (c.state.empty()) c.state = (fs::path(c.cache) / "state-recover").string();
  if (c.plain_state.empty()) c.plain_state = (fs::path(c.cache) / "state").string();
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
    err << "vmcheck: " << m << "\n";
    return 66;
  }
  // Held-out checks: new injections, as a campaign draws them, until enough crashed.
  if (c.fresh > 0) {
    if (int rc = draw_fresh_crashes(c, simcapture, files, err); rc != 0) return rc;
  }

  // Predictions first (fast), then the reruns, `jobs` VMs at a time.
  std::vector<RerunTask> tasks;
  std::vector<Prediction> predictions;
  const std::vector<std::string> keys = rerun_keys(files);
  for (std::size_t fi = 0; fi < files.size(); ++fi) {
    const std::string& f = files[fi];
    // One read gives the fault and the crash to compare the reruns with.
    std::optional<models::FaultInfo> fault;
    std::string error;
    std::vector<std::string> crashed_first;
    std::string build_id;
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
        build_id = s.model.header.kernel_build_id;
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
        auto t0 = Clock::now();
        std::string why;
        if (!predict_file(f, p, pred, why)) r.rerun_problem = "cannot predict: " + why;
        r.predict_seconds = since(t0);
      } else {
        r.rerun_problem = error;
      }
      if (r.rerun_problem.empty())
        tasks.push_back({runs.size(), f, p, *fault, crashed_first, build_id, keys[fi]});
      runs.push_back(std::move(r));
      predictions.push_back(std::move(pred));
    }
  }
  // One golden run per saved state, paired with every rerun from it.
  std::map<std::string, std::string> goldens;
  for (const std::string& st : states) {
    if (tasks.empty()) break;
    goldens[st] = golden_run(c, st, err);
    if (goldens[st].empty()) return 69;
  }
  std::atomic<std::size_t> next{0};
  std::mutex log_mutex;
  auto worker = [&]() {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      const RerunTask& t = tasks[i];
      rerun_live(c, goldens, t, runs[t.run], predictions[t.run]);
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
