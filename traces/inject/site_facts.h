// What the fault-injection rules (site_rules.cc) look at: the instructions around a site (x86
// helpers on the capstone decoding) and the kernel functions they look for (allocators, frees,
// copies, irq restores), as Linux 6.1 names them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/fault_model.h"
#include "traces/inject/code_region.h"
#include "traces/inject/mutation.h"
#include "traces/inject/x86_decoder.h"

namespace oopsim::inject::site_detail {

using models::FaultType;

inline constexpr std::size_t kLookBack = 6;  // instructions searched before a call for its argument
inline constexpr std::size_t kCallWindow = 4;  // INTERFACE: the call follows within this many
inline constexpr std::size_t kPrologue = 16;   // VAR: the frame is set up within this many
struct Context {
  const CodeRegion& region;
  const std::vector<Instruction>& insns;
  const SymbolResolver& resolve;
  std::optional<std::uint64_t> seed;
};

struct SizedCall {
  std::string_view name;
  x86_reg size_reg;  // which argument register carries the size
};

inline constexpr std::array<std::string_view, 8> kFreeFunctions = {
    "kfree",  "kvfree",          "kfree_sensitive", "kvfree_sensitive",
    "kzfree", "kmem_cache_free", "vfree",           "vfree_atomic"};

inline constexpr std::array<std::string_view, 8> kCopyFunctions = {
    "memcpy", "__memcpy", "memmove",     "__memmove",
    "memset", "__memset", "memcpy_orig", "memset_orig"};

template <std::size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Index of the variant to use among `count`.
std::size_t pick(const Context& ctx, std::size_t count);

Mutation make(FaultType type, const Context& ctx, std::size_t offset, std::string before,
              std::string after);

Mutation make(FaultType type, const Context& ctx, const Instruction& insn, std::string after);

bool is_jcc(const Instruction& insn);

bool is_control_flow(const Instruction& insn);

// Offset of a jcc's condition byte (0x7X, or the 0x8X after 0x0F).
std::size_t condition_byte(const Instruction& insn);

std::optional<std::uint64_t> direct_target(const Instruction& insn);

std::string call_name(const Context& ctx, const Instruction& insn);

bool has_memory_operand(const Instruction& insn);

bool reg_operand(const Instruction& insn, int i, x86_reg* reg);

bool imm_operand(const Instruction& insn, int i);

// The immediate's raw bits (little-endian, imm_size bytes).
std::uint64_t read_imm(const Instruction& insn);

std::uint64_t imm_mask(const Instruction& insn);

std::string with_imm(const Instruction& insn, std::uint64_t value);

// New immediates from `candidates` that differ from the current one (masked to its width).
std::vector<std::uint64_t> distinct_values(const Instruction& insn,
                                           const std::vector<std::uint64_t>& candidates);

// Decodes `bytes` and keeps it if it is still one instruction of the same kind and length.
bool same_shape(const Instruction& insn, const std::string& bytes, bool need_memory);

// The instruction in [index - kLookBack, index) that last writes `reg` (full register), if it is
// `mov reg, imm` and no control flow intervenes.
std::optional<std::size_t> imm_load_before(const Context& ctx, std::size_t index, x86_reg reg);

const SizedCall* allocator(std::string_view name);

bool is_irq_restore(std::string_view name);

bool is_arg_register(x86_reg reg);

}  // namespace oopsim::inject::site_detail
