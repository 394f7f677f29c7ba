// The kernel instructions a fault-free run executed (coverage.txt of the QEMU plugin: one hex
// address per line, '#' comments). Sites drawn only from them are sites the workloads run: a fault
// there can activate, where one in code nobody runs costs a whole experiment for nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "traces/format/trace_error.h"

namespace oopsim::inject {

class Coverage {
 public:
  // Reads the text; false with `error` (kData, `file`, the line) on a line that is not an address.
  bool parse(std::string_view text, const std::string& file, traces::TraceError& error);
  bool contains(std::uint64_t address) const;
  std::size_t size() const { return addresses_.size(); }
  bool empty() const { return addresses_.empty(); }

 private:
  std::vector<std::uint64_t> addresses_;  // sorted, unique
};

}  // namespace oopsim::inject
