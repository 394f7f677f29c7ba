// simrun: replay traces under recovery policies and report the predicted outcomes. The command
// line fills a SimrunConfig; this does the work and writes to the given streams.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "sim/prediction.h"

namespace oopsim::sim {

struct SimrunConfig {
  std::vector<std::string> policies{"kill-faulty"};  // names (with :params) or "all"
  std::string format = "table";                      // table, json or csv
  bool explain = false;
  std::vector<std::string> inputs;  // trace files or directories
  std::string output = "-";         // report file ("-": stdout)
  std::string state_classes;        // extra state-class rows ("": the built-in table only)
  std::string timeline;             // Perfetto / chrome://tracing JSON of the replay ("": none)
  std::string graph_dir;            // Graphviz DOT (and SVG when dot exists) per trace x policy
  std::string report;               // one self-contained HTML report ("": none)
  bool progress = false;            // a progress bar on `err` (the front end sets it for a tty)
  int jobs = 0;                     // traces predicted at a time (0: one per core)
};

// Returns the exit code: 0, 64 usage, 65 bad data, 66 missing input, 74 I/O error.
int run_simrun(const SimrunConfig& config, std::ostream& out, std::ostream& err);

// Writes the --timeline and --graph outputs of the predictions. Returns 0 or 74.
int write_extras(const SimrunConfig& config, const std::vector<Prediction>& predictions,
                 std::ostream& err);

// The text of --help's policy list.
std::string policy_help();

}  // namespace oopsim::sim
