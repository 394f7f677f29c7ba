// The reap path: the kernel instructions a parent runs when it waits for and reaps a killed
// child (wait4 finds the zombie; release_task() unhashes it and flushes its /proc/<pid>
// dentries). Measured in the real guest (traces/vm/measure_reappath.sh: ftrace's function_graph
// tracer for the functions, a kprobe on each of their instructions for the instructions), once
// per kernel build: models/reap_path.txt (Debian's 6.1.0-56-amd64) and models/reap_path-6.12.txt
// (6.12.118+deb12-amd64), compiled in. A fault that mutated one of these instructions strikes
// whoever reaps a task the policy killed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oopsim::models {

// A compiled-in table: the kernel release it was measured on, its file, its rows.
struct BuiltinReapPath {
  const char* release;
  const char* source;
  const char* text;
};

class ReapPath {
 public:
  // The table of the kernel the rules were first made on (6.1.0-56-amd64).
  static const ReapPath& builtin();
  // The table measured on `release` (a trace header's kernel_release); else the one of the same
  // major.minor version; else builtin() (hand-written traces name other releases: 2.6.38, 6.1.0).
  static const ReapPath& for_kernel(std::string_view release);
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
  // The file a compiled-in table came from ("" for one built from rows).
  const std::string& source() const { return source_; }

 private:
  // Every compiled-in table, in the order of reap_path.cc.in (the first is builtin()'s).
  static const std::vector<ReapPath>& tables();
  std::string source_;
  static constexpr std::uint64_t kWhole = UINT64_MAX;
  std::vector<std::pair<std::string, std::uint64_t>> entries_;  // (base name, offset), sorted
};

}  // namespace oopsim::models
