// simtrace: convert, validate and summarise traces. The command-line front end fills a
// SimtraceConfig; this does the work, writing to the given streams.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace oopsim::traces {

struct SimtraceConfig {
  enum class Command { kValidate, kConvert, kSummary };
  Command command = Command::kValidate;
  std::vector<std::string> inputs;
  std::string output;           // convert: output path ("-": stdout)
  std::string to;               // convert: "text", "binary" or "" (from the output's extension)
  bool salvage = false;         // convert: write the good prefix of a damaged input
  std::string format = "text";  // summary: text or json
};

// Returns the process exit code (0, or a sysexits code).
int run_simtrace(const SimtraceConfig& config, std::ostream& out, std::ostream& err);

}  // namespace oopsim::traces
