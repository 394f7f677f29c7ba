// simtrace: convert, validate and summarise oopsim traces. Parses flags only.
#include <CLI/CLI.hpp>

#include <iostream>

#include "traces/simtrace/simtrace_app.h"
#include "traces/tools/tool_cli.h"

int main(int argc, char** argv) {
  using oopsim::traces::SimtraceConfig;
  SimtraceConfig config;
  CLI::App app{"simtrace: convert, validate and summarise oopsim traces (binary or text form)"};
  oopsim::traces::standard_cli(app);
  app.require_subcommand(1);
  auto* validate = app.add_subcommand("validate", "check traces; exit 65 at the first bad packet");
  validate->add_option("traces", config.inputs, "trace files")
      ->type_name("TRACE_OR_DIR")
      ->required();
  auto* convert = app.add_subcommand("convert", "convert between the binary and the text form");
  convert->add_option("input", config.inputs, "trace file")->type_name("TRACE")->required();
  convert->add_option("-o,--output", config.output, "output file ('-': stdout)")
      ->type_name("FILE")
      ->required();
  convert->add_option("--to", config.to, "text or binary (default: text for *.txt and stdout)")
      ->check(CLI::IsMember({"text", "binary"}));
  convert->add_flag("--salvage", config.salvage,
                    "on a damaged input, keep the packets before the damage (still exits 65)");
  convert
      ->add_option("--format-version", config.format_version,
                   "write this format version (1 or 2; default: the input's). 2 stores event "
                   "times as deltas in the binary form, about 40% smaller compressed")
      ->check(CLI::Range(1, 2));
  auto* summary = app.add_subcommand("summary", "what a trace holds");
  summary->add_option("traces", config.inputs, "trace files")
      ->type_name("TRACE_OR_DIR")
      ->required();
  summary->add_option("--format", config.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  auto* import = app.add_subcommand(
      "import", "turn a real paired run (golden + injected run directories) into a trace");
  import->add_option("--injected", config.injected_dir, "run directory with the fault armed")
      ->type_name("DIR")
      ->required();
  import
      ->add_option("--golden", config.golden_dir,
                   "fault-free run directory from the same saved state")
      ->type_name("DIR")
      ->required();
  import->add_option("-o,--output", config.output, "trace file to write (*.txt: text form)")
      ->type_name("FILE")
      ->required();
  import->add_option("--fault-type", config.fault_type,
                     "the injection's fault type (e.g. interface)");
  import->add_option("--fault-site", config.fault_site, "symbol+offset of the injection")
      ->type_name("SYMBOL+OFFSET");
  import->add_flag("--sleeps", config.sleeps, "also import sleep/wakeup events");
  import->add_option("--window", config.window_seconds,
                     "seconds after the crash judged for the observed outcome");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  if (*convert) config.command = SimtraceConfig::Command::kConvert;
  if (*summary) config.command = SimtraceConfig::Command::kSummary;
  if (*import) config.command = SimtraceConfig::Command::kImport;
  return oopsim::traces::run_simtrace(config, std::cout, std::cerr);
}
