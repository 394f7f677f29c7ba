// The functions a campaign draws its sites from, learned from a fault-free reference run: code
// the workloads really execute, so that a fault there can activate.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace oopsim::traces {

// vmlinux: the callers of the lock entry points in the reference run's trace, in the workloads'
// own processes, that are vmlinux text, the most-called first (ties by name), with how many
// calls the run saw.
std::vector<std::pair<std::string, std::size_t>> learn_functions(const std::string& trace,
                                                                 const std::string& kallsyms);

// Modules: the text functions of `modules` (kallsyms names, "ext4", "fat") holding an
// instruction the reference run executed (its coverage.txt), as "module:function", the most
// executed instructions first (ties by name), with that count.
std::vector<std::pair<std::string, std::size_t>> learn_module_functions(
    const std::string& coverage, const std::string& kallsyms,
    const std::vector<std::string>& modules);

}  // namespace oopsim::traces
