#include "sim/vmcheck/live_rerun.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "models/parse_number.h"
#include "policies/policy_registry.h"
#include "traces/capture/capture_runner.h"
#include "traces/format/file_text.h"
#include "traces/format/packet_source.h"
#include "traces/import/console_log.h"
#include "traces/import/site_hits.h"

namespace oopsim::sim {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A recorded site run as a breakpoint hit: an interrupt context's CPU is in its name
// ("hardirq/1"), and its preempt count says it was one.
traces::SiteHit site_hit_of(const traces::TraceReader& reader, const models::Event& ev,
                            const traces::SiteHits& hits) {
  const models::ContextInfo& ctx = *reader.model().context(ev.context);
  traces::SiteHit h;
  h.pid = ctx.pid;
  h.comm = ctx.comm;
  h.jiffies = hits.initial + ev.time * hits.hz / 1000000;
  if (reader.model().fault && reader.model().fault->site_runs_timed) h.ns = ev.time * 1000;
  if (ctx.kind == models::ContextKind::kHardIrq || ctx.kind == models::ContextKind::kSoftIrq ||
      ctx.kind == models::ContextKind::kIdle) {
    auto slash = ctx.comm.find('/');
    if (slash != std::string::npos)
      h.cpu = static_cast<int>(models::parse_i64(ctx.comm.substr(slash + 1), 10).value_or(0));
    h.preempt_count = ctx.kind == models::ContextKind::kHardIrq   ? 0x10000
                      : ctx.kind == models::ContextKind::kSoftIrq ? 0x100
                                                                  : 0;
  }
  return h;
}

// The trace's recorded site runs written back in site-hits.txt form (traces/import/site_hits.h),
// so that a rerun's own record is imported with them too; "" when the trace has none.
std::string site_hits_of(const std::string& path) {
  traces::TraceError e;
  auto src = traces::open_trace(path, e);
  if (!src) return "";
  traces::TraceReader reader(std::move(src));
  traces::SiteHits hits;
  bool started = false;
  while (true) {
    traces::TraceReader::Item item = reader.next();
    if (item == traces::TraceReader::Item::kEnd || item == traces::TraceReader::Item::kError) break;
    if (item == traces::TraceReader::Item::kSection && !started) {
      started = true;
      const auto& fault = reader.model().fault;
      if (!fault || !fault->site_runs_recorded) return "";
      hits.site = fault->address;
      hits.source = path;
      // The trace's pids are its own boot's: the rerun's state may have been saved by another
      // boot, whose tasks got other pids. The importer maps them by workload and program.
      for (const models::ContextInfo& c : reader.model().contexts) {
        if (c.pid <= 0) continue;
        hits.other_boot[c.pid] = {c.workloads.empty() ? "-" : c.workloads.front(), c.comm};
      }
    }
    if (item != traces::TraceReader::Item::kEvent ||
        reader.event().type != models::EventType::kSiteRun)
      continue;
    hits.hits.push_back(site_hit_of(reader, reader.event(), hits));
  }
  return started ? traces::format_site_hits(hits) : "";
}

}  // namespace

std::vector<std::string> crash_workloads(const traces::TraceSummary& s) {
  if (!s.crash) return {};
  const models::ContextInfo* c = s.model.context(s.crash->context);
  if (c == nullptr) return {};
  if (c->workloads.empty()) return {c->comm};
  return c->workloads;
}

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

std::string golden_run(const VmcheckConfig& c, const std::string& state, std::ostream& err) {
  fs::path golden = fs::path(c.out) /
                    fmt::format("golden-{}-{}s", fs::path(state).filename().string(), c.seconds);
  if (fs::exists(golden / "trace.txt")) return golden.string();
  err << "vmcheck: a golden run from " << state << "\n";
  fs::path tmp = golden.string() + ".tmp";
  fs::remove_all(tmp);
  int rc = traces::run_command_stdout_to_stderr(
      {(fs::path(c.repo) / "traces/vm/run_from_state.sh").string(), state, tmp.string(),
       "--seconds", fmt::format("{}", c.seconds)},
      {"OOPSIM_CACHE=" + c.cache});
  std::error_code ec;
  if (rc == 0) fs::rename(tmp, golden, ec);
  if (rc != 0 || ec) {
    err << "vmcheck: the golden run failed (see " << tmp.string() << ")\n";
    return "";
  }
  return golden.string();
}

std::vector<std::string> rerun_keys(const std::vector<std::string>& files) {
  auto depth = [](const std::string& f) {
    fs::path p(f);
    return std::distance(p.begin(), p.end());
  };
  // Per file name: the shallowest depth it occurs at, and how often it occurs there.
  std::map<std::string, std::pair<std::ptrdiff_t, int>> shallowest;
  for (const std::string& f : files) {
    auto [it, fresh] = shallowest.try_emplace(fs::path(f).filename().string(), depth(f), 0);
    if (depth(f) < it->second.first) it->second = {depth(f), 0};
    if (depth(f) == it->second.first) ++it->second.second;
  }
  std::vector<std::string> keys;
  for (const std::string& f : files) {
    fs::path p(f);
    std::string name = p.filename().string();
    const auto& [d, n] = shallowest[name];
    if (depth(f) == d && n == 1) {  // the one shallowest file of that name keeps it
      keys.push_back(name);
      continue;
    }
    fs::path dir = p.parent_path();
    if (dir.filename() == "traces") dir = dir.parent_path();
    keys.push_back(dir.filename().string() + "." + name);
  }
  return keys;
}

// One live rerun: capture under the policy, then read the observed outcomes of the rerun.
void rerun_live(const VmcheckConfig& c, const std::map<std::string, std::string>& goldens,
                const RerunTask& t, CheckRun& r, const Prediction& predicted) {
  std::string state = needs_recovery_module(t.policy) ? c.state : c.plain_state;
  const std::string& golden = goldens.at(state);
  fs::path base =
      fs::path(c.out) / "reruns" /
      ((t.key.empty() ? fs::path(t.trace).filename().string() : t.key) + "." + t.policy);
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
  cc.expect_build_id = t.kernel_build_id;
  cc.output = (base / "rerun.pb").string();
  // The trace's site runs (same site, recorded from the plain state: the recovery module's state
  // has other pids): the rerun's own record gets them too.
  if (std::string hits = state == c.plain_state ? site_hits_of(t.trace) : std::string();
      !hits.empty()) {
    traces::write_file_text((base / "site-hits.txt").string(), hits);
    cc.site_hits = (base / "site-hits.txt").string();
  }
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

}  // namespace oopsim::sim
