// simcampaign: injection campaigns over fault types x seeds, run locally two VMs at a time.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "traces/campaign/campaign_runner.h"

int main(int argc, char** argv) {
  oopsim::traces::CampaignConfig config;
  config.repo = OOPSIM_SOURCE_DIR;
  config.simcapture = (std::filesystem::path(argv[0]).parent_path() / "simcapture").string();
  CLI::App app{
      "simcampaign: many paired injections (fault types x seeds) with simcapture; "
      "resumable; writes results/, traces/ (crashes), consoles/ and index.csv"};
  app.require_subcommand(1);
  auto* run = app.add_subcommand("run", "run what is not finished yet");
  run->add_option("dir", config.dir, "campaign folder")->required();
  run->add_option("--types", config.types, "fault types (default: all 15)")->delimiter(',');
  run->add_option("--first-seed", config.first_seed, "first seed");
  run->add_option("--seeds", config.seeds, "seeds per fault type");
  run->add_option("--functions", config.functions,
                  "target functions (default: learned from a golden run)")
      ->delimiter(',');
  run->add_option("--hot", config.hot, "of the learned functions, keep the N most-called (0: all)");
  run->add_option("--seconds", config.seconds, "length of each run");
  run->add_option("--timeout", config.timeout, "seconds before a hung experiment is killed");
  run->add_option("-j,--jobs", config.jobs, "experiments at a time (2 on this machine)");
  run->add_option("--cache", config.cache, "VM cache");
  run->add_option("--state", config.state, "saved state");
  std::size_t planned = 0;
  auto* status = app.add_subcommand("status", "count finished experiments and rebuild index.csv");
  status->add_option("dir", config.dir, "campaign folder")->required();
  status->add_option("--planned", planned, "experiments planned (for the count)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  if (*status) return oopsim::traces::campaign_status(config.dir, planned, std::cout);
  config.progress = ::isatty(STDERR_FILENO) != 0;
  return oopsim::traces::run_campaign(config, std::cout, std::cerr);
}
