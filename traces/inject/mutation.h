// One single-instruction mutation: which bytes change, from what to what.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/fault_model.h"

namespace oopsim::inject {

// A further write a mutation needs (VAR: the matching `add rsp, imm` of each epilogue).
struct ExtraWrite {
  std::uint64_t address = 0;
  std::string before;
  std::string after;
};

struct Mutation {
  models::FaultType type = models::FaultType::kBranch;
  std::string symbol;         // "function", or "module:function" in a module
  std::uint64_t offset = 0;   // from the symbol
  std::uint64_t address = 0;  // symbol address + offset
  std::string before;         // bytes at address
  std::string after;          // same length (NOPs pad)
  std::string disasm_before;  // capstone: "mnemonic op_str[; ...]"
  std::string disasm_after;
  std::uint64_t seed = 0;
  std::vector<ExtraWrite> extra_writes;

  // For the trace's fault record: the module split from the symbol; context and subsystem are
  // left empty.
  models::FaultInfo to_fault_info() const;
};

}  // namespace oopsim::inject
