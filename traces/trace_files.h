// Trace files named on a command line: a directory stands for the traces under it.
#pragma once

#include <string>
#include <vector>

namespace oopsim::traces {

// Trace files under the inputs: a directory gives its *.trace.txt, *.pb and *.trace files
// (and the same with .xz appended),
// recursively, sorted. Inputs that do not exist are added to `missing`.
std::vector<std::string> expand_trace_inputs(const std::vector<std::string>& inputs,
                                             std::vector<std::string>& missing);

}  // namespace oopsim::traces
