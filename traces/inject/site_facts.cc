#include "traces/inject/site_facts.h"

#include <utility>

#include "traces/inject/nop_fill.h"
#include "traces/inject/site_rules.h"

namespace oopsim::inject::site_detail {

// Index of the variant to use among `count`.
std::size_t pick(const Context& ctx, std::size_t count) {
  if (!ctx.seed || count == 0) return 0;
  return mix_seed(*ctx.seed ^ 0x5bd1e995u) % count;
}

Mutation make(FaultType type, const Context& ctx, std::size_t offset, std::string before,
              std::string after) {
  Mutation m;
  m.type = type;
  m.symbol = ctx.region.symbol;
  m.offset = offset;
  m.address = ctx.region.address + offset;
  m.disasm_before = disassemble(before, m.address);
  m.disasm_after = disassemble(after, m.address);
  m.before = std::move(before);
  m.after = std::move(after);
  m.seed = ctx.seed.value_or(0);
  return m;
}

Mutation make(FaultType type, const Context& ctx, const Instruction& insn, std::string after) {
  return make(type, ctx, insn.offset, insn.bytes, std::move(after));
}

bool is_jcc(const Instruction& insn) {
  switch (insn.id) {
    case X86_INS_JA:
    case X86_INS_JAE:
    case X86_INS_JB:
    case X86_INS_JBE:
    case X86_INS_JE:
    case X86_INS_JNE:
    case X86_INS_JG:
    case X86_INS_JGE:
    case X86_INS_JL:
    case X86_INS_JLE:
    case X86_INS_JO:
    case X86_INS_JNO:
    case X86_INS_JP:
    case X86_INS_JNP:
    case X86_INS_JS:
    case X86_INS_JNS:
      return true;
    default:
      return false;
  }
}

bool is_control_flow(const Instruction& insn) {
  switch (insn.id) {
    case X86_INS_CALL:
    case X86_INS_JMP:
    case X86_INS_LJMP:
    case X86_INS_RET:
    case X86_INS_IRET:
    case X86_INS_IRETQ:
    case X86_INS_INT3:
    case X86_INS_UD2:
    case X86_INS_JRCXZ:
    case X86_INS_JECXZ:
    case X86_INS_LOOP:
    case X86_INS_LOOPE:
    case X86_INS_LOOPNE:
      return true;
    default:
      return is_jcc(insn);
  }
}

// Offset of a jcc's condition byte (0x7X, or the 0x8X after 0x0F).
std::size_t condition_byte(const Instruction& insn) {
  return insn.x86.opcode[0] == 0x0F ? insn.bytes.size() - 5 : insn.bytes.size() - 2;
}

std::optional<std::uint64_t> direct_target(const Instruction& insn) {
  if (insn.x86.op_count != 1 || insn.x86.operands[0].type != X86_OP_IMM) return std::nullopt;
  return static_cast<std::uint64_t>(insn.x86.operands[0].imm);
}

std::string call_name(const Context& ctx, const Instruction& insn) {
  if (insn.id != X86_INS_CALL || !ctx.resolve) return "";
  const auto target = direct_target(insn);
  return target ? ctx.resolve(*target) : "";
}

bool has_memory_operand(const Instruction& insn) {
  for (int i = 0; i < insn.x86.op_count; ++i) {
    if (insn.x86.operands[i].type == X86_OP_MEM) return true;
  }
  return false;
}

bool reg_operand(const Instruction& insn, int i, x86_reg* reg) {
  if (insn.x86.op_count <= i || insn.x86.operands[i].type != X86_OP_REG) return false;
  *reg = insn.x86.operands[i].reg;
  return true;
}

bool imm_operand(const Instruction& insn, int i) {
  return insn.x86.op_count > i && insn.x86.operands[i].type == X86_OP_IMM &&
         insn.x86.encoding.imm_size > 0;
}

// The immediate's raw bits (little-endian, imm_size bytes).
std::uint64_t read_imm(const Instruction& insn) {
  std::uint64_t value = 0;
  for (int i = insn.x86.encoding.imm_size - 1; i >= 0; --i) {
    value = (value << 8) | insn.byte(insn.x86.encoding.imm_offset + i);
  }
  return value;
}

std::uint64_t imm_mask(const Instruction& insn) {
  const int bits = 8 * insn.x86.encoding.imm_size;
  return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

std::string with_imm(const Instruction& insn, std::uint64_t value) {
  std::string out = insn.bytes;
  for (int i = 0; i < insn.x86.encoding.imm_size; ++i) {
    out[insn.x86.encoding.imm_offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return out;
}

// New immediates from `candidates` that differ from the current one (masked to its width).
std::vector<std::uint64_t> distinct_values(const Instruction& insn,
                                           const std::vector<std::uint64_t>& candidates) {
  const std::uint64_t old = read_imm(insn);
  std::vector<std::uint64_t> out;
  for (std::uint64_t v : candidates) {
    v &= imm_mask(insn);
    if (v != old && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

// Decodes `bytes` and keeps it if it is still one instruction of the same kind and length.
bool same_shape(const Instruction& insn, const std::string& bytes, bool need_memory) {
  const auto decoded = decode_one(bytes, insn.address);
  return decoded && decoded->bytes.size() == insn.bytes.size() && decoded->id == insn.id &&
         (!need_memory || has_memory_operand(*decoded)) && decoded->text() != insn.text();
}

// The instruction in [index - kLookBack, index) that last writes `reg` (full register), if it is
// `mov reg, imm` and no control flow intervenes.
std::optional<std::size_t> imm_load_before(const Context& ctx, std::size_t index, x86_reg reg) {
  for (std::size_t back = 1; back <= kLookBack && back <= index; ++back) {
    const Instruction& insn = ctx.insns[index - back];
    if (is_control_flow(insn)) return std::nullopt;
    x86_reg dst = X86_REG_INVALID;
    if (insn.id == X86_INS_CMP || insn.id == X86_INS_TEST || insn.id == X86_INS_PUSH) continue;
    if (!reg_operand(insn, 0, &dst) || full_register(dst) != reg) continue;
    if (insn.id == X86_INS_MOV && imm_operand(insn, 1)) return index - back;
    return std::nullopt;
  }
  return std::nullopt;
}

// --- the names of the functions the rules look for ------------------------------------------

// The allocator entry points and where their size argument goes: Linux 6.1's (and older), then
// the "_noprof" ones that 6.10's allocation profiling put behind the same names' macros (6.12's
// calls go to these; DECL_BUCKET_PARAMS keeps the size first).
constexpr std::array<SizedCall, 46> kAllocators = {{
    {"__kmalloc", X86_REG_RDI},
    {"kmalloc", X86_REG_RDI},
    {"kzalloc", X86_REG_RDI},
    {"kmalloc_large", X86_REG_RDI},
    {"kmalloc_large_node", X86_REG_RDI},
    {"__kmalloc_node", X86_REG_RDI},
    {"__kmalloc_track_caller", X86_REG_RDI},
    {"__kmalloc_node_track_caller", X86_REG_RDI},
    {"kmalloc_trace", X86_REG_RDX},
    {"kmalloc_node_trace", X86_REG_RCX},
    {"kmem_cache_alloc_trace", X86_REG_RDX},
    {"kmem_cache_alloc_node_trace", X86_REG_R8},
    {"kmem_cache_alloc", X86_REG_INVALID},
    {"kmem_cache_alloc_lru", X86_REG_INVALID},
    {"kmem_cache_alloc_node", X86_REG_INVALID},
    {"kvmalloc_node", X86_REG_RDI},
    {"vmalloc", X86_REG_RDI},
    {"vzalloc", X86_REG_RDI},
    {"__vmalloc", X86_REG_RDI},
    {"vmalloc_node", X86_REG_RDI},
    {"vzalloc_node", X86_REG_RDI},
    {"kmalloc_array", X86_REG_RSI},
    {"kcalloc", X86_REG_RSI},
    {"krealloc", X86_REG_RSI},
    {"kmemdup", X86_REG_RSI},
    {"kstrdup", X86_REG_INVALID},
    {"kstrndup", X86_REG_RSI},
    {"__kmalloc_noprof", X86_REG_RDI},
    {"__kmalloc_node_noprof", X86_REG_RDI},
    {"__kmalloc_cache_noprof", X86_REG_RDX},
    {"__kmalloc_cache_node_noprof", X86_REG_RCX},
    {"__kmalloc_large_noprof", X86_REG_RDI},
    {"__kmalloc_large_node_noprof", X86_REG_RDI},
    {"__kmalloc_node_track_caller_noprof", X86_REG_RDI},
    {"kmem_cache_alloc_noprof", X86_REG_INVALID},
    {"kmem_cache_alloc_lru_noprof", X86_REG_INVALID},
    {"kmem_cache_alloc_node_noprof", X86_REG_INVALID},
    {"__kvmalloc_node_noprof", X86_REG_RDI},
    {"vmalloc_noprof", X86_REG_RDI},
    {"vzalloc_noprof", X86_REG_RDI},
    {"__vmalloc_noprof", X86_REG_RDI},
    {"vmalloc_node_noprof", X86_REG_RDI},
    {"vzalloc_node_noprof", X86_REG_RDI},
    {"krealloc_noprof", X86_REG_RSI},
    {"kmemdup_noprof", X86_REG_RSI},
    {"kvrealloc_noprof", X86_REG_RSI},
}};

const SizedCall* allocator(std::string_view name) {
  for (const auto& a : kAllocators) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

bool is_irq_restore(std::string_view name) {
  constexpr std::string_view kSuffix = "_unlock_irqrestore";
  return name == "arch_local_irq_restore" || name == "local_irq_restore" ||
         (name.size() > kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix);
}

bool is_arg_register(x86_reg reg) {
  switch (full_register(reg)) {
    case X86_REG_RDI:
    case X86_REG_RSI:
    case X86_REG_RDX:
    case X86_REG_RCX:
    case X86_REG_R8:
    case X86_REG_R9:
      return true;
    default:
      return false;
  }
}

}  // namespace oopsim::inject::site_detail
