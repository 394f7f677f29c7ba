// The reap path: the kernel instructions a parent runs when it waits for and reaps a killed
// child (wait4 finds the zombie; release_task() unhashes it and flushes its /proc/<pid>
// dentries). Measured in the real guest (traces/vm/measure_reappath.sh: ftrace's function_graph
// tracer for the functions, a kprobe on each of their instructions for the instructions) into
// models/reap_path.txt, compiled in. A fault that mutated one of these instructions strikes
// whoever reaps a task the policy killed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oopsim::models {

class ReapPath {
 public:
  static const ReapPath& builtin();
  // One entry per line: `function+0xoffset` (an instruction the reaper ran) or a bare `function`
  // (run, its instructions unknown: taken whole); '#' starts a comment. False with `error` on a
  // bad row.
  bool add_rows(std::string_view text, std::string_view source, std::string& error);
  // Whether the reaper runs the instruction at `symbol`+`offset`: listed, or in a function
  // listed whole. The compiler's suffixes (".isra.0", ".constprop.0", ".part.0") are ignored.
  bool contains(std::string_view symbol, std::uint64_t offset) const;
  // Whether the reaper runs `symbol` at all.
  bool calls(std::string_view symbol) const;
  std::size_t size() const { return entries_.size(); }

 private:
  static constexpr std::uint64_t kWhole = UINT64_MAX;
  std::vector<std::pair<std::string, std::uint64_t>> entries_;  // (base name, offset), sorted
};

}  // namespace oopsim::models
