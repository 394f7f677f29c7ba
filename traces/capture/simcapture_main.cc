// simcapture: record one paired (golden + injected) run of a real kernel in QEMU into a trace.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "traces/capture/capture_runner.h"
#include "traces/tools/tool_cli.h"

int main(int argc, char** argv) {
  oopsim::traces::CaptureConfig config;
  config.repo = OOPSIM_SOURCE_DIR;
  CLI::App app{
      "simcapture: one paired run (golden + injected, from the same saved state) of "
      "Debian's Linux kernel under QEMU TCG, recorded live and imported into a trace"};
  oopsim::traces::standard_cli(app);
  app.add_option("-o,--output", config.output, "trace to write (*.txt: text form)")
      ->type_name("FILE");
  app.add_option("--inject", config.inject,
                 "SYMBOL:REG=VALUE forced through the gdb stub when SYMBOL is hit (e.g. "
                 "__x64_sys_newuname:rdi=0)");
  oopsim::traces::one_value_per_use(
      app.add_option("--functions", config.functions,
                     "mutate kernel text: candidate vmlinux functions (comma-separated)"))
      ->type_name("F1,F2,...");
  app.add_option("--site", config.site, "mutate kernel text at SYMBOL+OFFSET")
      ->type_name("SYMBOL+OFFSET");
  app.add_option("--seed", config.seed, "seed for the site and variant choice");
  app.add_option("--coverage", config.coverage,
                 "draw sites only from the kernel instructions this coverage.txt lists (a "
                 "fault-free run's, `vmctl.py run --coverage`)")
      ->type_name("FILE");
  app.add_flag("--dry-run", config.dry_run, "print the chosen site and mutation; run nothing");
  app.add_option("--kallsyms", config.kallsyms,
                 "guest kallsyms for --dry-run without a saved state")
      ->type_name("FILE");
  app.add_option("--inject-after", config.inject_after, "seconds after the restore to arm it");
  app.add_option("--fault-type", config.fault_type, "fault type recorded in the trace");
  app.add_option("--seconds", config.seconds, "length of each run");
  app.add_option("--activation-wait", config.activation_wait,
                 "end the injected run when the fault has not activated within S seconds (0: "
                 "wait --seconds, then run --seconds more)")
      ->type_name("S");
  app.add_flag("--import-crashes-only", config.import_crashes_only,
               "import the runs only when the injected run's console shows a crash");
  app.add_option("--stop-quiet", config.stop_quiet,
                 "end the injected run S seconds after activation when the console shows no "
                 "crash by then (0: run --seconds)")
      ->type_name("S");
  app.add_option("--workloads", config.workloads,
                 "comma-separated: ext4,vfat,usb,tcp,audio,restartd");
  app.add_option("--cache", config.cache, "cache folder (default <repo>/.cache/vm)")
      ->type_name("DIR");
  app.add_option("--state", config.state, "saved-state folder (default <cache>/state)")
      ->type_name("DIR");
  app.add_option("--runs", config.runs, "folder for the two run directories")->type_name("DIR");
  app.add_option("--golden", config.golden,
                 "reuse this golden run (same state, workloads and --seconds) instead of recording")
      ->type_name("DIR");
  app.add_flag("--import-only", config.import_only,
               "run nothing: import the runs already in --runs (and --golden)");
  app.add_flag("--resave", config.resave, "make a fresh saved state");
  app.add_option("--repo", config.repo, "the oopsim source tree (for traces/vm/)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  return oopsim::traces::run_capture(config, oopsim::traces::run_command, std::cout, std::cerr);
}
