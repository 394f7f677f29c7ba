#include "sim/simrun_app.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "models/state_class_table.h"
#include "policies/policy_registry.h"
#include "sim/engine.h"
#include "sim/report.h"
#include "traces/packet_source.h"
#include "traces/trace_files.h"

namespace oopsim::sim {

std::string policy_help() {
  std::string out = "Policies (--policy=NAME[:key=value,...], or all):\n";
  for (const policies::PolicyInfo& p : policies::builtin_policies().all()) {
    out += fmt::format("  {:<18} {}\n", p.name, p.description);
  }
  return out;
}

int run_simrun(const SimrunConfig& config, std::ostream& out, std::ostream& err) {
  const policies::PolicyRegistry& registry = policies::builtin_policies();
  std::vector<std::string> specs;
  for (const std::string& p : config.policies) {
    if (p == "all") {
      for (const policies::PolicyInfo& info : registry.all()) specs.push_back(info.name);
    } else {
      specs.push_back(p);
    }
  }
  for (const std::string& spec : specs) {  // check names and parameters before any work
    std::string error;
    if (!registry.create(spec, error)) {
      err << "simrun: " << error << "\n";
      return 64;
    }
  }
  if (config.format != "table" && config.format != "json" && config.format != "csv") {
    err << "simrun: --format is table, json or csv\n";
    return 64;
  }
  std::vector<std::string> missing;
  std::vector<std::string> files = traces::expand_trace_inputs(config.inputs, missing);
  for (const std::string& m : missing) err << "simrun: " << m << ": no such file or directory\n";
  if (!missing.empty()) return 66;
  if (files.empty()) {
    err << "simrun: no trace files in the given inputs\n";
    return 66;
  }
  models::StateClassTable classes = models::StateClassTable::builtin();
  if (!config.state_classes.empty()) {
    std::ifstream f(config.state_classes, std::ios::binary);
    if (!f) {
      err << "simrun: " << config.state_classes << ": cannot open the state-class table\n";
      return 66;
    }
    std::stringstream text;
    text << f.rdbuf();
    std::string error;
    if (!classes.add_rows(text.str(), config.state_classes, error)) {
      err << "simrun: " << error << "\n";
      return 65;
    }
  }
  EngineConfig engine_config;
  engine_config.state_classes = &classes;
  Engine engine(engine_config);
  std::vector<Prediction> predictions;
  int rc = 0;
  for (const std::string& file : files) {
    for (const std::string& spec : specs) {
      std::string error;
      std::unique_ptr<policies::Policy> policy = registry.create(spec, error);
      traces::TraceError te;
      auto source = traces::open_trace(file, te);
      if (!source) {
        err << "simrun: " << te.message() << "\n";
        rc = rc ? rc : te.exit_code();
        break;
      }
      traces::TraceReader reader(std::move(source));
      Prediction p;
      if (!engine.run(reader, *policy, spec, p, te)) {
        err << "simrun: " << te.message() << "\n";
        rc = rc ? rc : te.exit_code();
        break;
      }
      predictions.push_back(std::move(p));
    }
  }
  ReportOptions options;
  options.explain = config.explain;
  std::string text;
  if (config.format == "json") {
    text = render_json(predictions, options);
  } else if (config.format == "csv") {
    text = render_csv(predictions);
  } else {
    text = render_table(predictions, options);
  }
  if (config.output == "-") {
    out << text;
    out.flush();
    if (!out) {
      err << "simrun: writing the report failed\n";
      return 74;
    }
  } else {
    std::ofstream f(config.output, std::ios::binary);
    f << text;
    f.close();
    if (!f) {
      err << "simrun: " << config.output << ": cannot write the report\n";
      return 74;
    }
  }
  return rc;
}

}  // namespace oopsim::sim
