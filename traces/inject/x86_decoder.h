// Linear x86-64 decoding of a code region with capstone (detail on).
#pragma once

#include <capstone/capstone.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::inject {

struct Instruction {
  std::uint64_t address = 0;
  std::size_t offset = 0;  // in the region
  std::string bytes;
  unsigned id = X86_INS_INVALID;
  std::string mnemonic;
  std::string op_str;
  cs_x86 x86{};  // capstone's detail: prefixes, opcode, ModRM, operands, encoding offsets

  std::string text() const { return op_str.empty() ? mnemonic : mnemonic + " " + op_str; }
  std::uint8_t byte(std::size_t i) const { return static_cast<std::uint8_t>(bytes[i]); }
};

// Decodes `bytes` (at `address`) from the start; a byte capstone cannot decode is skipped.
std::vector<Instruction> decode(std::string_view bytes, std::uint64_t address);

// "mnemonic op_str; mnemonic op_str" for every instruction in `bytes`.
std::string disassemble(std::string_view bytes, std::uint64_t address);

// The one instruction that `bytes` (at `address`) starts with.
std::optional<Instruction> decode_one(std::string_view bytes, std::uint64_t address);

// The 64-bit register a general-purpose register is part of (X86_REG_EDI -> X86_REG_RDI), or
// X86_REG_INVALID.
x86_reg full_register(x86_reg reg);

}  // namespace oopsim::inject
