#include "traces/inject/fault_injector.h"

#include <algorithm>

#include <fmt/format.h>

#include "traces/inject/site_rules.h"
#include "traces/inject/x86_decoder.h"

namespace oopsim::inject {

namespace {

// Checks that `offset` starts an instruction of the region; sets `error` otherwise.
bool at_boundary(const CodeRegion& region, const std::vector<Instruction>& insns,
                 std::uint64_t offset, std::string& error) {
  if (offset >= region.bytes.size()) {
    error = fmt::format("{}+{:#x} is outside the function ({} bytes)", region.symbol, offset,
                        region.bytes.size());
    return false;
  }
  const auto it = std::find_if(insns.begin(), insns.end(), [&](const Instruction& i) {
    return i.offset + i.bytes.size() > offset;
  });
  if (it == insns.end() || it->offset != offset) {
    error = it == insns.end()
                ? fmt::format("{}+{:#x} is not an instruction boundary", region.symbol, offset)
                : fmt::format("{}+{:#x} is inside `{}` at {}+{:#x}: not an instruction boundary",
                              region.symbol, offset, it->text(), region.symbol, it->offset);
    return false;
  }
  return true;
}

}  // namespace

std::vector<Mutation> candidate_sites(models::FaultType type, const CodeRegion& region,
                                      const SymbolResolver& resolve) {
  return find_sites(type, region, resolve, std::nullopt);
}

std::optional<Mutation> choose_mutation(models::FaultType type,
                                        const std::vector<CodeRegion>& regions, std::uint64_t seed,
                                        const SymbolResolver& resolve, const Coverage* executed) {
  std::vector<Mutation> all;
  for (const auto& region : regions) {
    auto sites = find_sites(type, region, resolve, seed);
    for (Mutation& m : sites) {
      if (executed == nullptr || executed->contains(m.address)) all.push_back(std::move(m));
    }
  }
  if (all.empty()) return std::nullopt;
  return all[mix_seed(seed) % all.size()];
}

std::optional<Mutation> mutation_at(models::FaultType type, const CodeRegion& region,
                                    std::uint64_t offset, std::string& error,
                                    const SymbolResolver& resolve,
                                    std::optional<std::uint64_t> seed) {
  const auto insns = decode(region.bytes, region.address);
  if (!at_boundary(region, insns, offset, error)) return std::nullopt;
  const auto sites = find_sites(type, region, resolve, seed);
  for (const auto& site : sites) {
    if (site.offset == offset) return site;
  }
  const auto insn = std::find_if(insns.begin(), insns.end(),
                                 [&](const Instruction& i) { return i.offset == offset; });
  std::string where;
  for (const auto& site : sites) where += fmt::format(" +{:#x}", site.offset);
  error = fmt::format("`{}` at {}+{:#x} is not a {} site; {} has {}", insn->text(), region.symbol,
                      offset, models::name(type), region.symbol,
                      sites.empty() ? std::string("none") : "them at" + where);
  return std::nullopt;
}

std::optional<Mutation> mutation_with_bytes(models::FaultType type, const CodeRegion& region,
                                            std::uint64_t offset, std::string_view after,
                                            std::string& error) {
  const auto insns = decode(region.bytes, region.address);
  if (!at_boundary(region, insns, offset, error)) return std::nullopt;
  const std::uint64_t end = offset + after.size();
  if (after.empty() || end > region.bytes.size()) {
    error = fmt::format("{} replacement bytes at {}+{:#x} do not fit the function ({} bytes)",
                        after.size(), region.symbol, offset, region.bytes.size());
    return std::nullopt;
  }
  if (end < region.bytes.size() && !at_boundary(region, insns, end, error)) {
    error = "the replacement would tear an instruction: " + error;
    return std::nullopt;
  }
  Mutation m;
  m.type = type;
  m.symbol = region.symbol;
  m.offset = offset;
  m.address = region.address + offset;
  m.before = region.bytes.substr(offset, after.size());
  m.after = std::string(after);
  if (m.before == m.after) {
    error = fmt::format("the replacement bytes at {}+{:#x} are the bytes already there",
                        region.symbol, offset);
    return std::nullopt;
  }
  m.disasm_before = disassemble(m.before, m.address);
  m.disasm_after = disassemble(m.after, m.address);
  return m;
}

}  // namespace oopsim::inject
