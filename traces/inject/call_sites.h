// Where a kernel function calls another, read from its text: the importer uses it to place a
// lock operation whose caller the trace could not record (a return probe's trampoline stood in
// for the return address) at the call that made it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "traces/inject/kernel_image.h"

namespace oopsim::inject {

class CallSites {
 public:
  explicit CallSites(const KernelImage& image) : image_(image) {}
  // The offset in `function` of the return address of its last direct call to `callee` that
  // returns at or before `before` (0 when it makes none, or the function is not in vmlinux).
  std::uint64_t last_call_before(const std::string& function, std::uint64_t before,
                                 const std::string& callee);

 private:
  struct Call {
    std::uint64_t return_offset;
    std::string callee;
  };
  const std::vector<Call>& calls(const std::string& function);

  const KernelImage& image_;
  std::map<std::string, std::vector<Call>> calls_;  // decoded once per function
};

}  // namespace oopsim::inject
