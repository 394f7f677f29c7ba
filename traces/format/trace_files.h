// Trace files named on a command line: a directory stands for the traces under it.
#pragma once

#include <string>
#include <vector>

namespace oopsim::traces {

// Trace files under the inputs: a directory gives its *.trace.txt, *.pb and *.trace files
// (and the same with .xz appended), recursively, sorted. An input that does not exist, and a
// directory with no trace file under it, add a message ("PATH: why") to `problems`: every tool
// then says so and exits 66 (EX_NOINPUT), whatever else it was given.
std::vector<std::string> expand_trace_inputs(const std::vector<std::string>& inputs,
                                             std::vector<std::string>& problems);

}  // namespace oopsim::traces
