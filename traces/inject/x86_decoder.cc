#include "traces/inject/x86_decoder.h"

#include <stdexcept>

namespace oopsim::inject {

namespace {

class Capstone {
 public:
  Capstone() {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) {
      throw std::runtime_error("capstone: cs_open failed");
    }
    cs_option(handle_, CS_OPT_DETAIL, CS_OPT_ON);
    insn_ = cs_malloc(handle_);
  }
  ~Capstone() {
    cs_free(insn_, 1);
    cs_close(&handle_);
  }
  Capstone(const Capstone&) = delete;
  Capstone& operator=(const Capstone&) = delete;

  std::vector<Instruction> run(std::string_view bytes, std::uint64_t address, bool only_first) {
    std::vector<Instruction> out;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      const auto* code = reinterpret_cast<const std::uint8_t*>(bytes.data()) + offset;
      std::size_t left = bytes.size() - offset;
      std::uint64_t at = address + offset;
      if (!cs_disasm_iter(handle_, &code, &left, &at, insn_)) {
        if (only_first) break;
        ++offset;  // undecodable byte (padding, data): skip it
        continue;
      }
      Instruction insn;
      insn.address = insn_->address;
      insn.offset = offset;
      insn.bytes.assign(bytes.substr(offset, insn_->size));
      insn.id = insn_->id;
      insn.mnemonic = insn_->mnemonic;
      insn.op_str = insn_->op_str;
      insn.x86 = insn_->detail->x86;
      offset += insn_->size;
      out.push_back(std::move(insn));
      if (only_first) break;
    }
    return out;
  }

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

}  // namespace

std::vector<Instruction> decode(std::string_view bytes, std::uint64_t address) {
  Capstone cs;
  return cs.run(bytes, address, false);
}

std::optional<Instruction> decode_one(std::string_view bytes, std::uint64_t address) {
  Capstone cs;
  auto insns = cs.run(bytes, address, true);
  if (insns.empty()) return std::nullopt;
  return insns.front();
}

std::string disassemble(std::string_view bytes, std::uint64_t address) {
  std::string out;
  for (const auto& insn : decode(bytes, address)) {
    if (!out.empty()) out += "; ";
    out += insn.text();
  }
  return out;
}

x86_reg full_register(x86_reg reg) {
  switch (reg) {
    case X86_REG_AL:
    case X86_REG_AH:
    case X86_REG_AX:
    case X86_REG_EAX:
    case X86_REG_RAX:
      return X86_REG_RAX;
    case X86_REG_BL:
    case X86_REG_BH:
    case X86_REG_BX:
    case X86_REG_EBX:
    case X86_REG_RBX:
      return X86_REG_RBX;
    case X86_REG_CL:
    case X86_REG_CH:
    case X86_REG_CX:
    case X86_REG_ECX:
    case X86_REG_RCX:
      return X86_REG_RCX;
    case X86_REG_DL:
    case X86_REG_DH:
    case X86_REG_DX:
    case X86_REG_EDX:
    case X86_REG_RDX:
      return X86_REG_RDX;
    case X86_REG_SIL:
    case X86_REG_SI:
    case X86_REG_ESI:
    case X86_REG_RSI:
      return X86_REG_RSI;
    case X86_REG_DIL:
    case X86_REG_DI:
    case X86_REG_EDI:
    case X86_REG_RDI:
      return X86_REG_RDI;
    case X86_REG_BPL:
    case X86_REG_BP:
    case X86_REG_EBP:
    case X86_REG_RBP:
      return X86_REG_RBP;
    case X86_REG_SPL:
    case X86_REG_SP:
    case X86_REG_ESP:
    case X86_REG_RSP:
      return X86_REG_RSP;
    case X86_REG_R8B:
    case X86_REG_R8W:
    case X86_REG_R8D:
    case X86_REG_R8:
      return X86_REG_R8;
    case X86_REG_R9B:
    case X86_REG_R9W:
    case X86_REG_R9D:
    case X86_REG_R9:
      return X86_REG_R9;
    case X86_REG_R10B:
    case X86_REG_R10W:
    case X86_REG_R10D:
    case X86_REG_R10:
      return X86_REG_R10;
    case X86_REG_R11B:
    case X86_REG_R11W:
    case X86_REG_R11D:
    case X86_REG_R11:
      return X86_REG_R11;
    case X86_REG_R12B:
    case X86_REG_R12W:
    case X86_REG_R12D:
    case X86_REG_R12:
      return X86_REG_R12;
    case X86_REG_R13B:
    case X86_REG_R13W:
    case X86_REG_R13D:
    case X86_REG_R13:
      return X86_REG_R13;
    case X86_REG_R14B:
    case X86_REG_R14W:
    case X86_REG_R14D:
    case X86_REG_R14:
      return X86_REG_R14;
    case X86_REG_R15B:
    case X86_REG_R15W:
    case X86_REG_R15D:
    case X86_REG_R15:
      return X86_REG_R15;
    default:
      return X86_REG_INVALID;
  }
}

}  // namespace oopsim::inject
