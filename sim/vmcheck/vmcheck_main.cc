// vmcheck: rerun injections live in the VM with a recovery policy enforced, and score simrun's
// predictions against what really happened.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/vmcheck/vmcheck_runner.h"
#include "sim/vmcheck/vmcheck_score.h"
#include "traces/format/file_text.h"
#include "traces/tools/tool_cli.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace oopsim::sim;
  VmcheckConfig config;
  config.repo = OOPSIM_SOURCE_DIR;
  config.out = "vmcheck-out";
  std::string self = fs::absolute(fs::path(argv[0])).lexically_normal().string();
  std::string simcapture = (fs::path(self).parent_path() / "simcapture").string();
  std::string output;
  CLI::App app{
      "vmcheck: rerun each trace's injection live in the VM (same kernel, saved state, site and "
      "mutation) with the policy enforced by the guest, and score simrun's predictions"};
  oopsim::traces::standard_cli(app);
  app.add_option("traces", config.traces, "traces or folders (e.g. traces/corpus)")
      ->type_name("TRACE_OR_DIR");
  oopsim::traces::one_value_per_use(
      app.add_option("--policy", config.policies,
                     "panic, kill-faulty, lock-release, subsystem-restart (repeatable, or all)"))
      ->type_name("POLICY");
  app.add_option("--fresh", config.fresh, "also draw N new crashing injections (held out)");
  app.add_option("--fresh-seed", config.fresh_seed, "first seed of the fresh draws");
  oopsim::traces::one_value_per_use(
      app.add_option("--fresh-types", config.fresh_types, "fault types of the fresh draws"))
      ->type_name("T1,T2,...");
  app.add_option("--fresh-functions", config.fresh_functions,
                 "a campaign's functions.txt to draw sites from (default: learn afresh)");
  app.add_option("--fresh-max", config.fresh_max_experiments,
                 "stop drawing after this many experiments");
  app.add_option("--seconds", config.seconds, "length of each live run");
  app.add_option("-j,--jobs", config.jobs, "VMs at a time");
  app.add_option("--cache", config.cache, "VM cache (default <repo>/.cache/vm)")->type_name("DIR");
  app.add_option("--state", config.state,
                 "saved state with the recovery module (default <cache>/state-recover)")
      ->type_name("DIR");
  app.add_option("--plain-state", config.plain_state,
                 "saved state for panic and kill-faulty (default <cache>/state)")
      ->type_name("DIR");
  app.add_option("--out", config.out, "folder for the reruns and the score")->type_name("DIR");
  app.add_flag("--reuse", config.reuse,
               "score the finished reruns already in --out again (rerun only missing ones)");
  app.add_flag("--reimport", config.reimport,
               "with --reuse: import the kept reruns again with the current importer");
  app.add_option("--format", config.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_option("-o,--output", output, "write the score here instead of standard output")
      ->type_name("FILE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  if (config.policies.empty() || (config.policies.size() == 1 && config.policies[0] == "all")) {
    config.policies = live_policies();
  }
  if (config.traces.empty() && config.fresh == 0) {
    std::cerr << "vmcheck: give traces, or --fresh N\n";
    return 64;
  }
  std::vector<CheckRun> runs;
  int rc = run_vmcheck(config, simcapture, runs, std::cerr);
  if (rc != 0) return rc;
  std::vector<PolicyScore> scores = score(runs, config.policies);
  std::string text = config.format == "json"  ? score_json(scores, runs).dump(1) + "\n"
                     : config.format == "csv" ? score_csv(runs)
                                              : score_table(scores, runs);
  oopsim::traces::write_file_text((fs::path(config.out) / "score.json").string(),
                                  score_json(scores, runs).dump(1) + "\n");
  if (output.empty()) {
    std::cout << text;
  } else if (!oopsim::traces::write_file_text(output, text)) {
    std::cerr << "vmcheck: " << output << ": cannot write\n";
    return 73;
  }
  return 0;
}
