// simcampaign: injection campaigns over fault types x seeds, run locally (two VMs at a time) or
// as Slurm job arrays.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "models/parse_number.h"
#include "traces/campaign/campaign_figures.h"
#include "traces/campaign/campaign_index.h"
#include "traces/campaign/campaign_runner.h"
#include "traces/campaign/campaign_snapshot.h"
#include "traces/campaign/corpus_export.h"
#include "traces/campaign/slurm_engine.h"
#include "traces/tools/tool_cli.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace oopsim::traces;
  CampaignConfig config;
  config.repo = OOPSIM_SOURCE_DIR;
  std::string self = fs::absolute(fs::path(argv[0])).lexically_normal().string();
  config.simcapture = (fs::path(self).parent_path() / "simcapture").string();
  CLI::App app{
      "simcampaign: many paired injections (fault types x seeds) with simcapture; "
      "resumable; writes results/, traces/ (crashes), consoles/ and index.csv"};
  oopsim::traces::standard_cli(app);
  app.require_subcommand(1);
  auto* run = app.add_subcommand("run", "run what is not finished yet (or submit it to Slurm)");
  run->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  oopsim::traces::one_value_per_use(
      run->add_option("--types", config.types, "fault types (default: all 15)"))
      ->type_name("T1,T2,...");
  run->add_option("--first-seed", config.first_seed, "first seed");
  run->add_option("--seeds", config.seeds, "seeds per fault type");
  oopsim::traces::one_value_per_use(
      run->add_option("--functions", config.functions,
                      "target functions (default: learned from a golden run)"))
      ->type_name("F1,F2,...");
  oopsim::traces::one_value_per_use(
      run->add_option("--only", config.only,
                      "of the types x seeds, run only these experiments (ids TYPE-sSEED; to "
                      "capture a chosen set again, such as an earlier corpus's crashes)"))
      ->type_name("ID1,ID2,...");
  oopsim::traces::one_value_per_use(
      run->add_option("--modules", config.modules,
                      "module sites: the target functions are these modules' functions the "
                      "workloads executed (the reference run's coverage), most-executed first"))
      ->type_name("M1,M2,...")
      ->excludes("--functions");
  run->add_option("--hot", config.hot, "of the learned functions, keep the N most-called (0: all)");
  run->add_option("--sites", config.sites,
                  "executed: draw sites only from kernel instructions a fault-free run executed "
                  "(the QEMU plugin's coverage); all: from all of the functions' code")
      ->check(CLI::IsMember({"executed", "all"}))
      ->capture_default_str();
  run->add_option("--coverage", config.coverage,
                  "with --sites executed: this coverage.txt (`traces/vm/vmctl.py run STATE DIR "
                  "--coverage`) instead of a run the campaign records")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  run->add_option("--seconds", config.seconds, "length of each run");
  run->add_option("--timeout", config.timeout, "seconds before a hung experiment is killed");
  run->add_option("--activation-wait", config.activation_wait,
                  "end an injected run whose fault has not activated within S seconds (0: wait "
                  "--seconds, then run --seconds more)")
      ->type_name("S");
  run->add_option("--stop-quiet", config.stop_quiet,
                  "end an injected run S seconds after activation when the console shows no "
                  "crash by then (0: run --seconds); a crash's run goes on for --seconds")
      ->type_name("S");
  run->add_option("-j,--jobs", config.jobs, "experiments at a time (2 on this machine)");
  run->add_option("--cache", config.cache, "VM cache")->type_name("DIR");
  run->add_option("--state", config.state, "saved state")->type_name("DIR");
  run->add_option("--kernel-pin", config.kernel_pin,
                  "the kernel build's pin file (e.g. traces/vm/kernel-6.12.pin; default: "
                  "traces/vm/kernel.pin), with a --cache of its own")
      ->type_name("FILE");
  run->add_option("--engine", config.engine, "local (default) or slurm")
      ->check(CLI::IsMember({"local", "slurm"}));
  run->add_option("--tasks", config.slurm.tasks, "slurm: array tasks (shards)");
  run->add_option("--partition", config.slurm.partition, "slurm: partition");
  run->add_option("--time", config.slurm.time_limit, "slurm: time limit per array task");
  run->add_option("--cpus-per-task", config.slurm.cpus_per_task,
                  "slurm: CPUs per task = VMs it runs at a time");
  oopsim::traces::one_value_per_use(
      run->add_option("--sbatch", config.slurm.extra, "slurm: one more sbatch option (repeatable)"),
      false)
      ->type_name("OPTION");
  auto* status = app.add_subcommand("status", "count finished experiments and rebuild index.csv");
  status->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  auto* merge = app.add_subcommand("merge", "build the index (the Slurm engine's final job)");
  merge->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  auto* prepare = app.add_subcommand("prepare", "learn the targets (the Slurm engine's first job)");
  prepare->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  oopsim::traces::ExportConfig export_config;
  auto* export_cmd = app.add_subcommand(
      "export", "the crashes as a bundled corpus: traces (.pb.xz), consoles, index, CORPUS.md");
  export_cmd->add_option("dir", export_config.dir, "campaign folder")->type_name("DIR")->required();
  export_cmd->add_option("--to", export_config.to, "corpus folder (e.g. traces/corpus)")
      ->required();
  export_cmd->add_option("--max-mib", export_config.max_bytes, "size limit in bytes")
      ->transform(CLI::Validator(
          [](std::string& v) {
            auto mib = oopsim::models::parse_u64(v, 10);
            if (!mib || *mib == 0 || *mib > (std::uint64_t{1} << 40))
              return "not a size in MiB: " + v;
            v = std::to_string(*mib << 20);
            return std::string();
          },
          "MIB"));
  export_cmd->add_flag("--fit", export_config.fit,
                       "keep the traces that fit in --max-mib, in plan order, instead of refusing");
  export_cmd->add_option("--command", export_config.command,
                         "the command that ran the campaign (for CORPUS.md)");
  auto* refresh = app.add_subcommand(
      "refresh", "recompute crash, observed outcomes and scope from the kept traces and consoles");
  refresh->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  auto* reimport = app.add_subcommand(
      "reimport", "import the kept raw runs of the crashes again (a newer importer), then refresh");
  reimport->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  std::string reimport_golden;
  reimport
      ->add_option("--golden", reimport_golden,
                   "golden run to pair the kept runs with (default: the campaign's reference)")
      ->type_name("DIR");
  auto* sitehits = app.add_subcommand(
      "sitehits",
      "record who runs each crash's fault site in a fault-free run (for the next reimport)");
  sitehits->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  auto* figures = app.add_subcommand("figures", "the seed study's figures as Markdown");
  std::vector<std::string> figure_dirs;
  figures
      ->add_option("dirs", figure_dirs,
                   "campaign folders or snapshots (several: their results together)")
      ->type_name("DIR...")
      ->required();
  auto* snapshot = app.add_subcommand(
      "snapshot",
      "the campaign's plan, functions, index and results (one line each) into a folder to commit");
  std::string snapshot_to;
  snapshot->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  snapshot->add_option("--to", snapshot_to, "the snapshot's folder")->type_name("DIR")->required();
  auto* restore = app.add_subcommand(
      "restore", "a campaign folder from a snapshot, to go on with the campaign on this machine");
  std::string restore_from;
  restore->add_option("snapshot", restore_from, "the snapshot's folder")
      ->type_name("DIR")
      ->required();
  restore->add_option("--to", config.dir, "campaign folder to make")->type_name("DIR")->required();
  int task = -1, tasks = 0, task_jobs = 0;
  auto* shard_cmd = app.add_subcommand("shard", "run one shard (a Slurm array task)");
  shard_cmd->add_option("dir", config.dir, "campaign folder")->type_name("DIR")->required();
  shard_cmd->add_option("--task", task, "shard index (0-based)")->required();
  shard_cmd->add_option("--tasks", tasks, "number of shards")->required();
  shard_cmd->add_option("-j,--jobs", task_jobs, "experiments at a time");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  if (!config.coverage.empty()) config.coverage = fs::absolute(config.coverage).string();
  if (*status || *merge) {
    return campaign_status(config.dir, std::cout, live_slurm_jobs(config.dir));
  }
  if (*export_cmd) return export_corpus(export_config, std::cout, std::cerr);
  if (*sitehits) {
    std::string error;
    if (!load_campaign(config.dir, config, error)) {
      std::cerr << "simcampaign: " << error << "\n";
      return 66;
    }
    int n = record_site_hits(config, std::cerr);
    std::cout << "simcampaign: site hits recorded for " << n << " crashes\n";
    return 0;
  }
  if (*reimport) {
    std::string error;
    if (!load_campaign(config.dir, config, error)) {
      std::cerr << "simcampaign: " << error << "\n";
      return 66;
    }
    int n = reimport_crashes(config, std::cerr, reimport_golden);
    if (n < 0) return 66;
    std::cout << "simcampaign: " << n << " crashes re-imported\n";
    refresh_results(config.dir, std::cerr);
    return campaign_status(config.dir, std::cout);
  }
  if (*refresh) {
    int n = refresh_results(config.dir, std::cerr);
    std::cout << "simcampaign: " << n << " results refreshed\n";
    return campaign_status(config.dir, std::cout);
  }
  if (*figures) {
    std::cout << campaign_figures(figure_dirs);
    return 0;
  }
  if (*snapshot) return snapshot_campaign(config.dir, snapshot_to, std::cout, std::cerr);
  if (*restore) return restore_campaign(restore_from, config.dir, std::cout, std::cerr);
  if (*shard_cmd) return run_shard(config.dir, task, tasks, task_jobs, std::cout, std::cerr);
  if (*prepare) {
    std::string error;
    if (!load_campaign(config.dir, config, error)) {
      std::cerr << "simcampaign: " << error << "\n";
      return 66;
    }
    CampaignTargets targets;
    return prepare_campaign(config, targets, std::cerr);
  }
  config.progress = ::isatty(STDERR_FILENO) != 0;
  if (config.engine == "slurm") return submit_campaign(config, self, std::cout, std::cerr);
  return run_campaign(config, std::cout, std::cerr);
}
