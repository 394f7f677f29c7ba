// After the experiments: results refreshed from their traces, crashes re-imported with the
// current importer, who-runs-the-site recorded for the kept runs.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "traces/campaign/campaign_index.h"
#include "traces/campaign/campaign_internal.h"
#include "traces/campaign/campaign_runner.h"
#include "traces/format/file_text.h"

namespace oopsim::traces {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using namespace campaign_detail;  // NOLINT: the runner's shared helpers

int refresh_results(const std::string& dir, std::ostream& err) {
  int n = 0;
  for (json r : read_results(dir)) {
    std::string id = r["id"].get<std::string>();
    fs::path trace = fs::path(dir) / "traces" / (id + ".pb");
    std::string console;
    if (!read_file_text(fs::path(dir) / "consoles" / (id + ".console.log"), console)) continue;
    for (const char* k : {"crashed", "crash_kind", "crash_function", "observed", "crash_workloads",
                          "scope", "scope_why", "error"}) {
      r.erase(k);
    }
    add_trace_facts(r, trace, console);
    if (!write_atomically((fs::path(dir) / "results" / (id + ".json")).string(),
                          r.dump(1) + "\n")) {
      err << "simcampaign: cannot rewrite the result of " << id << "\n";
      continue;
    }
    ++n;
  }
  return n;
}

int reimport_crashes(const CampaignConfig& c, std::ostream& err, const std::string& golden) {
  fs::path dir(c.dir);
  CampaignTargets t;
  std::string error;
  if (!load_targets(c, t, error)) {
    err << "simcampaign: " << error << "\n";
    return -1;
  }
  if (!golden.empty()) t.golden = golden;
  std::vector<std::string> env = vm_env(c);
  FunctionLists lists(c, t, env, err);
  int n = 0;
  for (json r : read_results(c.dir)) {
    std::string id = r["id"].get<std::string>();
    fs::path raw = dir / "raw" / id;
    if (!r.value("crashed", false) || !fs::exists(raw)) continue;
    // Paired with the reference golden run, else with the experiment's own (kept beside it).
    fs::path own_golden = dir / "raw" / (id + ".golden");
    if (t.golden.empty() && !fs::exists(own_golden)) {
      err << fmt::format(
          "simcampaign: {}: no golden run to pair it with (no reference, none kept; give "
          "--golden)\n",
          id);
      continue;
    }
    fs::path work = dir / "runs" / fmt::format("{}.reimport.{}", id, ::getpid());
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work);
    fs::create_directory_symlink(fs::absolute(raw), work / "injected", ec);
    if (t.golden.empty())
      fs::create_directory_symlink(fs::absolute(own_golden), work / "golden", ec);
    std::vector<std::string> argv{c.simcapture,   "--import-only",
                                  "-o",           (work / "trace.pb").string(),
                                  "--fault-type", r["type"].get<std::string>(),
                                  "--functions",  lists.for_type(r["type"].get<std::string>()),
                                  "--seed",       std::to_string(r["seed"].get<std::uint64_t>()),
                                  "--state",      state_of(c).string(),
                                  "--runs",       work.string(),
                                  "--repo",       c.repo};
    if (!c.cache.empty()) argv.insert(argv.end(), {"--cache", c.cache});
    if (!t.coverage.empty()) argv.insert(argv.end(), {"--coverage", t.coverage});
    if (!t.golden.empty()) argv.insert(argv.end(), {"--golden", t.golden});
    int rc = wait_for(spawn(argv, env, work / "simcapture.log"));
    if (rc == 0) fs::rename(work / "trace.pb", dir / "traces" / (id + ".pb"), ec);
    if (rc != 0 || ec) {
      err << fmt::format("simcampaign: {}: the re-import failed (exit {}; {})\n", id, rc,
                         (work / "simcapture.log").string());
      continue;
    }
    fs::remove_all(work, ec);
    ++n;
  }
  return n;
}

int record_site_hits(const CampaignConfig& c, std::ostream& err) {
  fs::path dir(c.dir);
  std::vector<std::string> env = vm_env(c);
  int n = 0;
  for (json r : read_results(c.dir)) {
    std::string id = r["id"].get<std::string>();
    fs::path raw = dir / "raw" / id;
    if (!r.value("crashed", false) || !fs::exists(raw) || fs::exists(raw / "golden-site-hits.txt"))
      continue;
    // The site: the first address the injected run patched ("ADDR:BEFORE:AFTER").
    std::string timing;
    read_file_text(raw / "timing.json", timing);
    auto at = timing.find("\"patch_spec\": \"");
    if (at == std::string::npos) {
      err << fmt::format("simcampaign: {}: no patched site in {}\n", id,
                         (raw / "timing.json").string());
      continue;
    }
    std::string addr = timing.substr(at + 15, timing.find(':', at + 15) - at - 15);
    fs::path work = dir / "runs" / fmt::format("{}.sitehits.{}", id, ::getpid());
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work.parent_path());
    int rc = wait_for(
        spawn({(fs::path(c.repo) / "traces/vm/run_from_state.sh").string(), state_of(c).string(),
               work.string(), "--seconds", fmt::format("{}", c.seconds), "--watch", addr},
              env, dir / "runs" / (id + ".sitehits.log")));
    if (rc != 0 || !fs::exists(work / "site-hits.txt")) {
      err << fmt::format("simcampaign: {}: the watched golden run failed (exit {}; {})\n", id, rc,
                         (dir / "runs" / (id + ".sitehits.log")).string());
      continue;
    }
    fs::copy_file(work / "site-hits.txt", raw / "golden-site-hits.txt",
                  fs::copy_options::overwrite_existing, ec);
    fs::remove_all(work, ec);
    if (ec) {
      err << fmt::format("simcampaign: {}: {}\n", id, ec.message());
      continue;
    }
    ++n;
  }
  return n;
}

}  // namespace oopsim::traces
