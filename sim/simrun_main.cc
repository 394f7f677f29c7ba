// simrun: predict what recovery policies lead to for each crash trace. Parses flags only.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>

#include "sim/simrun_app.h"
#include "traces/tools/tool_cli.h"

int main(int argc, char** argv) {
  oopsim::sim::SimrunConfig config;
  CLI::App app{
      "simrun: replay kernel crash traces under recovery policies and predict, per "
      "workload, the outcome (not-manifest, deadlock, oops-again, no-proc, "
      "detect-error, panic, survived-inconsistent)"};
  oopsim::traces::standard_cli(app);
  app.footer(
      oopsim::sim::policy_help() +
      "\nExit codes: 0 success, 64 usage, 65 bad trace data, 66 missing input, 74 I/O error.");
  oopsim::traces::one_value_per_use(
      app.add_option("--policy", config.policies,
                     "policy name, name:key=value,..., or all (one per use; repeat it)"),
      false)
      ->type_name("POLICY");
  app.add_option("--format", config.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_flag("--explain", config.explain, "print each prediction's causal chain");
  app.add_option("-j,--jobs", config.jobs,
                 "traces predicted at a time (0: one per core; the output is the same)")
      ->type_name("N");
  app.add_option("-o,--output", config.output, "write the report here instead of stdout")
      ->type_name("FILE");
  app.add_option("--timeline", config.timeline,
                 "write the replay as Perfetto / chrome://tracing JSON (FILE.json, or FILE.json.gz "
                 "compressed; several traces or policies: FILE.<trace>.<policy>.json[.gz])")
      ->type_name("FILE.json");
  app.add_option(
         "--graph", config.graph_dir,
         "write Graphviz DOT of the wait-for and error propagation graphs into DIR (and SVG "
         "when dot is installed)")
      ->type_name("DIR");
  app.add_option("--report", config.report,
                 "write one self-contained HTML report (charts, tables, explanations, graphs)")
      ->type_name("FILE.html");
  app.add_option("--state-classes", config.state_classes,
                 "more '<type> <class>' rows for the state-class table (models/state_classes.txt)")
      ->type_name("FILE");
  app.add_option("traces", config.inputs, "trace files or directories of traces")
      ->type_name("TRACE_OR_DIR")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 64;
  }
  config.progress = ::isatty(STDERR_FILENO) != 0;  // quiet when stderr is not a terminal
  return oopsim::sim::run_simrun(config, std::cout, std::cerr);
}
