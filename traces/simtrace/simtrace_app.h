// simtrace: convert, validate and summarise traces. The command-line front end fills a
// SimtraceConfig; this does the work, writing to the given streams.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace oopsim::traces {

struct SimtraceConfig {
  enum class Command { kValidate, kConvert, kSummary, kImport };
  Command command = Command::kValidate;
  std::vector<std::string> inputs;
  std::string output;    // convert: output path ("-": stdout)
  std::string to;        // convert: "text", "binary" or "" (from the output's extension)
  bool salvage = false;  // convert: write the good prefix of a damaged input
  std::uint32_t format_version = 0;  // convert: the output's (0: the input's)
  std::string format = "text";       // summary: text or json
  // import: run directories (trace.txt, console.log, kallsyms) and what is known of the fault
  std::string injected_dir, golden_dir;
  std::string fault_type, fault_site;  // e.g. "interface", "__x64_sys_newuname+0x5"
  bool sleeps = false;
  double window_seconds = 0;
};

// Returns the process exit code (0, or a sysexits code).
int run_simtrace(const SimtraceConfig& config, std::ostream& out, std::ostream& err);

}  // namespace oopsim::traces
