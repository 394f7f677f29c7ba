// simrun: replay traces under recovery policies and report the predicted outcomes. The command
// line fills a SimrunConfig; this does the work and writes to the given streams.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace oopsim::sim {

struct SimrunConfig {
  std::vector<std::string> policies{"kill-faulty"};  // names (with :params) or "all"
  std::string format = "table";                      // table, json or csv
  bool explain = false;
  std::vector<std::string> inputs;  // trace files or directories
  std::string output = "-";         // report file ("-": stdout)
  std::string state_classes;        // extra state-class rows ("": the built-in table only)
};

// Returns the exit code: 0, 64 usage, 65 bad data, 66 missing input, 74 I/O error.
int run_simrun(const SimrunConfig& config, std::ostream& out, std::ostream& err);

// The text of --help's policy list.
std::string policy_help();

}  // namespace oopsim::sim
