#include "traces/inject/call_sites.h"

#include "traces/inject/x86_decoder.h"

namespace oopsim::inject {

const std::vector<CallSites::Call>& CallSites::calls(const std::string& function) {
  auto it = calls_.find(function);
  if (it != calls_.end()) return it->second;
  std::vector<Call>& out = calls_[function];
  CodeRegion region;
  std::string error;
  if (!image_.function(function, region, error)) return out;
  for (const Instruction& insn : decode(region.bytes, region.address)) {
    if (insn.id != X86_INS_CALL || insn.x86.op_count != 1 ||
        insn.x86.operands[0].type != X86_OP_IMM) {
      continue;
    }
    std::string name = image_.symbol_at(static_cast<std::uint64_t>(insn.x86.operands[0].imm));
    if (!name.empty()) out.push_back({insn.offset + insn.bytes.size(), name});
  }
  return out;
}

std::uint64_t CallSites::last_call_before(const std::string& function, std::uint64_t before,
                                          const std::string& callee) {
  std::uint64_t found = 0;
  for (const Call& c : calls(function)) {
    if (c.return_offset <= before && c.callee == callee) found = c.return_offset;
  }
  return found;
}

}  // namespace oopsim::inject
