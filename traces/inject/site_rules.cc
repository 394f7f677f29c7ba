#include "traces/inject/site_rules.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "traces/inject/nop_fill.h"
#include "traces/inject/site_facts.h"
#include "traces/inject/x86_decoder.h"

namespace oopsim::inject {

namespace {

using namespace site_detail;  // NOLINT: the rules speak in these facts

// --- the rules ---------------------------------------------------------------------------------

void branch(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (is_jcc(insn))
      out.push_back(make(FaultType::kBranch, ctx, insn, nop_fill(insn.bytes.size())));
  }
}

void inverse(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (!is_jcc(insn)) continue;
    std::string after = insn.bytes;
    after[condition_byte(insn)] ^= 0x01;
    out.push_back(make(FaultType::kInverse, ctx, insn, after));
  }
}

void off_by_one(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (!is_jcc(insn)) continue;
    std::string after = insn.bytes;
    const std::size_t at = condition_byte(insn);
    const std::uint8_t cc = insn.byte(at) & 0x0f;
    std::uint8_t swapped = 0;
    switch (cc) {
      case 0x2:
        swapped = 0x6;
        break;  // jb  -> jbe
      case 0x6:
        swapped = 0x2;
        break;  // jbe -> jb
      case 0x3:
        swapped = 0x7;
        break;  // jae -> ja
      case 0x7:
        swapped = 0x3;
        break;  // ja  -> jae
      case 0xc:
        swapped = 0xe;
        break;  // jl  -> jle
      case 0xe:
        swapped = 0xc;
        break;  // jle -> jl
      case 0xd:
        swapped = 0xf;
        break;  // jge -> jg
      case 0xf:
        swapped = 0xd;
        break;  // jg  -> jge
      default:
        continue;
    }
    after[at] = static_cast<char>((insn.byte(at) & 0xf0) | swapped);
    out.push_back(make(FaultType::kOffByOne, ctx, insn, after));
  }
}

void ptr(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    const auto& enc = insn.x86.encoding;
    if (enc.modrm_offset == 0 || !has_memory_operand(insn) || insn.id == X86_INS_LEA ||
        insn.id == X86_INS_NOP) {
      continue;
    }
    // Address bits: ModRM.rm, the SIB byte, the displacement; each flip must keep the length,
    // the instruction and a memory operand.
    std::vector<std::pair<std::size_t, std::uint8_t>> flips;
    for (int bit = 0; bit < 3; ++bit) flips.emplace_back(enc.modrm_offset, 1u << bit);
    const std::uint8_t modrm = insn.byte(enc.modrm_offset);
    if ((modrm >> 6) != 3 && (modrm & 7) == 4) {
      for (int bit = 0; bit < 8; ++bit) flips.emplace_back(enc.modrm_offset + 1, 1u << bit);
    }
    for (int i = 0; i < enc.disp_size; ++i) {
      for (int bit = 0; bit < 8; ++bit) flips.emplace_back(enc.disp_offset + i, 1u << bit);
    }
    std::vector<std::string> variants;
    for (const auto& [at, mask] : flips) {
      std::string after = insn.bytes;
      after[at] = static_cast<char>(insn.byte(at) ^ mask);
      if (same_shape(insn, after, true)) variants.push_back(after);
    }
    if (variants.empty()) continue;
    out.push_back(make(FaultType::kPtr, ctx, insn, variants[pick(ctx, variants.size())]));
  }
}

bool dst_src_opcode(const Instruction& insn) {
  const std::uint8_t op = insn.x86.opcode[0];
  if (insn.x86.opcode[1] != 0 || insn.x86.encoding.modrm_offset == 0) return false;
  if (op < 0x40 && (op & 7) <= 3) return true;  // add/or/adc/sbb/and/sub/xor/cmp r/m,r / r,r/m
  return op == 0x84 || op == 0x85 || (op >= 0x88 && op <= 0x8b);  // test, mov
}

void dst_src(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (!dst_src_opcode(insn) || insn.x86.encoding.imm_size != 0) continue;
    std::vector<std::string> variants;
    for (int bit = 3; bit < 6; ++bit) {
      std::string after = insn.bytes;
      after[insn.x86.encoding.modrm_offset] =
          static_cast<char>(insn.byte(insn.x86.encoding.modrm_offset) ^ (1u << bit));
      if (same_shape(insn, after, false)) variants.push_back(after);
    }
    if (variants.empty()) continue;
    out.push_back(make(FaultType::kDstSrc, ctx, insn, variants[pick(ctx, variants.size())]));
  }
}

void interface(const Context& ctx, std::vector<Mutation>& out) {
  for (std::size_t i = 0; i < ctx.insns.size(); ++i) {
    const Instruction& insn = ctx.insns[i];
    x86_reg dst = X86_REG_INVALID;
    if (insn.id != X86_INS_MOV || !reg_operand(insn, 0, &dst) || !is_arg_register(dst)) continue;
    for (std::size_t j = i + 1; j < ctx.insns.size() && j <= i + kCallWindow; ++j) {
      if (ctx.insns[j].id == X86_INS_CALL) {
        out.push_back(make(FaultType::kInterface, ctx, insn, nop_fill(insn.bytes.size())));
        break;
      }
      if (is_control_flow(ctx.insns[j])) break;
    }
  }
}

void init(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (insn.id != X86_INS_MOV || insn.x86.op_count != 2 || !imm_operand(insn, 1)) continue;
    const cs_x86_op& dst = insn.x86.operands[0];
    if (dst.type != X86_OP_MEM || dst.mem.index != X86_REG_INVALID ||
        dst.mem.segment != X86_REG_INVALID ||
        (dst.mem.base != X86_REG_RSP && dst.mem.base != X86_REG_RBP)) {
      continue;
    }
    out.push_back(make(FaultType::kInit, ctx, insn, nop_fill(insn.bytes.size())));
  }
}

void alloc(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (insn.bytes.size() != 5 || insn.byte(0) != 0xe8 || !allocator(call_name(ctx, insn)))
      continue;
    out.push_back(make(FaultType::kAlloc, ctx, insn, std::string("\x31\xc0", 2) + nop_fill(3)));
  }
}

void free_(const Context& ctx, std::vector<Mutation>& out) {
  for (const auto& insn : ctx.insns) {
    if (insn.bytes.size() != 5 || insn.byte(0) != 0xe8) continue;
    if (one_of(call_name(ctx, insn), kFreeFunctions)) {
      out.push_back(make(FaultType::kFree, ctx, insn, nop_fill(5)));
    }
  }
}

// SIZE / BCOPY: corrupt the `mov reg, imm` that loads a call's or a `rep` string op's count.
void corrupt_count(FaultType type, const Context& ctx, std::size_t load,
                   const std::vector<std::uint64_t>& candidates, std::vector<Mutation>& out) {
  const Instruction& insn = ctx.insns[load];
  const auto values = distinct_values(insn, candidates);
  if (values.empty()) return;
  out.push_back(make(type, ctx, insn, with_imm(insn, values[pick(ctx, values.size())])));
}

void size(const Context& ctx, std::vector<Mutation>& out) {
  for (std::size_t i = 0; i < ctx.insns.size(); ++i) {
    const SizedCall* a = allocator(call_name(ctx, ctx.insns[i]));
    if (!a || a->size_reg == X86_REG_INVALID) continue;
    if (const auto load = imm_load_before(ctx, i, a->size_reg)) {
      const std::uint64_t v = read_imm(ctx.insns[*load]);
      corrupt_count(FaultType::kSize, ctx, *load, {v / 2, v * 2, v - 8, v + 8, v - 1, v + 1}, out);
    }
  }
}

bool is_rep_string(const Instruction& insn) {
  if (insn.x86.prefix[0] != X86_PREFIX_REP) return false;
  switch (insn.id) {
    case X86_INS_MOVSB:
    case X86_INS_MOVSW:
    case X86_INS_MOVSD:
    case X86_INS_MOVSQ:
    case X86_INS_STOSB:
    case X86_INS_STOSW:
    case X86_INS_STOSD:
    case X86_INS_STOSQ:
      return true;
    default:
      return false;
  }
}

void bcopy(const Context& ctx, std::vector<Mutation>& out) {
  std::vector<std::size_t> loads;
  for (std::size_t i = 0; i < ctx.insns.size(); ++i) {
    std::optional<std::size_t> load;
    if (is_rep_string(ctx.insns[i])) {
      load = imm_load_before(ctx, i, X86_REG_RCX);
    } else if (one_of(call_name(ctx, ctx.insns[i]), kCopyFunctions)) {
      load = imm_load_before(ctx, i, X86_REG_RDX);
    }
    if (load && std::find(loads.begin(), loads.end(), *load) == loads.end()) loads.push_back(*load);
  }
  std::sort(loads.begin(), loads.end());
  for (std::size_t load : loads) {
    const std::uint64_t v = read_imm(ctx.insns[load]);
    corrupt_count(FaultType::kBcopy, ctx, load, {v * 2, v + 1, v + 8, v / 2}, out);
  }
}

void loop(const Context& ctx, std::vector<Mutation>& out) {
  for (std::size_t i = 0; i + 1 < ctx.insns.size(); ++i) {
    const Instruction& cmp = ctx.insns[i];
    const Instruction& jcc = ctx.insns[i + 1];
    x86_reg reg = X86_REG_INVALID;
    if (cmp.id != X86_INS_CMP || !reg_operand(cmp, 0, &reg) || !imm_operand(cmp, 1) ||
        !is_jcc(jcc)) {
      continue;
    }
    const auto target = direct_target(jcc);
    if (!target || *target > cmp.address) continue;  // not a backward branch: not a loop bound
    // A backward jump into a block that leaves (ret/jmp) before reaching the compare is a shared
    // exit path, not a loop.
    bool body = true;
    for (std::size_t k = 0; k < i && body; ++k) {
      const Instruction& b = ctx.insns[k];
      if (b.address >= *target && (b.id == X86_INS_RET || b.id == X86_INS_JMP)) body = false;
    }
    if (!body || std::none_of(ctx.insns.begin(), ctx.insns.end(),
                              [&](const Instruction& b) { return b.address == *target; })) {
      continue;
    }
    const std::uint64_t v = read_imm(cmp);
    const auto values = distinct_values(cmp, {v + 1, v - 1, v * 2});
    if (values.empty()) continue;
    out.push_back(
        make(FaultType::kLoop, ctx, cmp, with_imm(cmp, values[pick(ctx, values.size())])));
  }
}

void irq(const Context& ctx, std::vector<Mutation>& out) {
  for (std::size_t i = 0; i < ctx.insns.size(); ++i) {
    const Instruction& insn = ctx.insns[i];
    if (insn.id == X86_INS_STI) {
      out.push_back(make(FaultType::kIrq, ctx, insn, nop_fill(insn.bytes.size())));
    } else if (insn.id == X86_INS_PUSH && i + 1 < ctx.insns.size() &&
               (ctx.insns[i + 1].id == X86_INS_POPFQ || ctx.insns[i + 1].id == X86_INS_POPF)) {
      // `push flags; popf`: delete both, or the stack would be unbalanced.
      const std::string both = insn.bytes + ctx.insns[i + 1].bytes;
      out.push_back(make(FaultType::kIrq, ctx, insn.offset, both, nop_fill(both.size())));
      ++i;
    } else if (insn.id == X86_INS_CALL && insn.x86.op_count == 1 &&
               insn.x86.operands[0].type == X86_OP_MEM && i >= 2 && is_jcc(ctx.insns[i - 1]) &&
               ctx.insns[i - 2].id == X86_INS_TEST && imm_operand(ctx.insns[i - 2], 1) &&
               ctx.insns[i - 2].x86.operands[1].imm == 0x200) {
      // arch_local_irq_restore(): `test $X86_EFLAGS_IF, flags; je; call *pv_ops.irq.irq_enable`
      out.push_back(make(FaultType::kIrq, ctx, insn, nop_fill(insn.bytes.size())));
    } else if (insn.bytes.size() == 5 && insn.byte(0) == 0xe8 &&
               is_irq_restore(call_name(ctx, insn))) {
      out.push_back(make(FaultType::kIrq, ctx, insn, nop_fill(5)));
    }
  }
}

void var(const Context& ctx, std::vector<Mutation>& out) {
  for (std::size_t i = 0; i < ctx.insns.size() && i < kPrologue; ++i) {
    const Instruction& sub = ctx.insns[i];
    if (is_jcc(sub) || sub.id == X86_INS_JMP || sub.id == X86_INS_RET) return;
    x86_reg reg = X86_REG_INVALID;
    if (sub.id != X86_INS_SUB || !reg_operand(sub, 0, &reg) || reg != X86_REG_RSP ||
        !imm_operand(sub, 1)) {
      continue;
    }
    std::vector<std::size_t> adds;
    for (std::size_t j = i + 1; j < ctx.insns.size(); ++j) {
      const Instruction& add = ctx.insns[j];
      if (add.id == X86_INS_ADD && reg_operand(add, 0, &reg) && reg == X86_REG_RSP &&
          imm_operand(add, 1) && add.x86.encoding.imm_size == sub.x86.encoding.imm_size &&
          read_imm(add) == read_imm(sub)) {
        adds.push_back(j);
      }
    }
    if (adds.empty()) return;  // no matching epilogue: inflating would unbalance the stack
    const std::uint64_t v = read_imm(sub);
    std::vector<std::uint64_t> values;
    const std::uint64_t limit = sub.x86.encoding.imm_size == 1 ? 0x7f : 0x7fffffff;
    for (std::uint64_t extra : {0x10u, 0x8u, 0x20u, 0x40u}) {
      if (v + extra <= limit) values.push_back(v + extra);
    }
    if (values.empty()) return;
    const std::uint64_t nv = values[pick(ctx, values.size())];
    Mutation m = make(FaultType::kVar, ctx, sub, with_imm(sub, nv));
    for (std::size_t j : adds) {
      const Instruction& add = ctx.insns[j];
      m.extra_writes.push_back({add.address, add.bytes, with_imm(add, nv)});
    }
    out.push_back(std::move(m));
    return;
  }
}

void null_check(const Context& ctx, std::vector<Mutation>& out) {
  for (std::size_t i = 0; i < ctx.insns.size(); ++i) {
    const Instruction& test = ctx.insns[i];
    x86_reg a = X86_REG_INVALID;
    x86_reg b = X86_REG_INVALID;
    if (test.id != X86_INS_TEST || !reg_operand(test, 0, &a) || !reg_operand(test, 1, &b) ||
        a != b) {
      continue;
    }
    // Moves and LEAs do not touch the flags; the compiler may schedule them in between.
    for (std::size_t j = i + 1; j < ctx.insns.size() && j <= i + 3; ++j) {
      const Instruction& next = ctx.insns[j];
      if (next.id == X86_INS_JE || next.id == X86_INS_JNE) {
        out.push_back(make(FaultType::kNull, ctx, next, nop_fill(next.bytes.size())));
        break;
      }
      if (next.id != X86_INS_MOV && next.id != X86_INS_LEA) break;
    }
  }
}

}  // namespace

std::uint64_t mix_seed(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::vector<Mutation> find_sites(FaultType type, const CodeRegion& region,
                                 const SymbolResolver& resolve,
                                 std::optional<std::uint64_t> variant_seed) {
  const std::vector<Instruction> insns = decode(region.bytes, region.address);
  const Context ctx{region, insns, resolve, variant_seed};
  std::vector<Mutation> out;
  switch (type) {
    case FaultType::kBranch:
      branch(ctx, out);
      break;
    case FaultType::kInverse:
      inverse(ctx, out);
      break;
    case FaultType::kPtr:
      ptr(ctx, out);
      break;
    case FaultType::kDstSrc:
      dst_src(ctx, out);
      break;
    case FaultType::kInterface:
      interface(ctx, out);
      break;
    case FaultType::kInit:
      init(ctx, out);
      break;
    case FaultType::kOffByOne:
      off_by_one(ctx, out);
      break;
    case FaultType::kAlloc:
      alloc(ctx, out);
      break;
    case FaultType::kFree:
      free_(ctx, out);
      break;
    case FaultType::kSize:
      size(ctx, out);
      break;
    case FaultType::kBcopy:
      bcopy(ctx, out);
      break;
    case FaultType::kLoop:
      loop(ctx, out);
      break;
    case FaultType::kIrq:
      irq(ctx, out);
      break;
    case FaultType::kVar:
      var(ctx, out);
      break;
    case FaultType::kNull:
      null_check(ctx, out);
      break;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Mutation& x, const Mutation& y) { return x.address < y.address; });
  return out;
}

}  // namespace oopsim::inject
