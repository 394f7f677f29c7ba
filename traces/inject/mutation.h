// One single-instruction mutation: which bytes change, from what to what.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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

// Whether `b`, at `at_b`, is the code `a` at `at_a` moved there: the same bytes, except 32-bit
// fields whose value moved by at_a - at_b, the rip-relative references out of the moved code (a
// module loaded elsewhere calls the same kernel functions with other displacements), or by
// at_b - at_a, absolute addresses of the module's own objects in immediates.
bool same_code_moved(std::string_view a, std::uint64_t at_a, std::string_view b,
                     std::uint64_t at_b);

// Whether `m` is the mutation a trace recorded (`recorded`): the same bytes at the same address;
// in a module, which may be loaded elsewhere in another saved state, the same bytes moved with
// it at the same module:function+offset.
bool same_mutation(const models::FaultInfo& recorded, const Mutation& m);

}  // namespace oopsim::inject
