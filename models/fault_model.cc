#include "models/fault_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace oopsim::models {

std::string_view name(FaultType type) {
  static constexpr std::array<std::string_view, 15> kNames = {
      "BRANCH", "INVERSE", "PTR",   "DSTSRC", "INTERFACE", "INIT", "OFFBYONE", "ALLOC",
      "FREE",   "SIZE",    "BCOPY", "LOOP",   "IRQ",       "VAR",  "NULL"};
  return kNames[static_cast<std::size_t>(type)];
}

std::optional<FaultType> parse_fault_type(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "NULL_CHECK" || upper == "NULL-CHECK") upper = "NULL";
  for (FaultType t : kAllFaultTypes) {
    if (name(t) == upper) return t;
  }
  return std::nullopt;
}

std::string FaultInfo::site() const {
  if (symbol.empty()) return fmt::format("{:#x}", address);
  if (!module.empty()) return fmt::format("{}:{}+{:#x}", module, symbol, offset);
  return fmt::format("{}+{:#x}", symbol, offset);
}

bool faults_at_return(FaultType type) {
  return type == FaultType::kVar;
}

bool faults_where_it_runs(FaultType type) {
  return type != FaultType::kIrq && type != FaultType::kFree;
}

bool faults_on_every_run(FaultType type) {
  switch (type) {
    case FaultType::kBranch:
    case FaultType::kNull:
    case FaultType::kOffByOne:
    case FaultType::kLoop:
      return false;
    default:
      return faults_where_it_runs(type);
  }
}

bool all_nops(std::string_view bytes) {
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  while (i < bytes.size()) {
    while (i < bytes.size() && at(i) == 0x66) ++i;  // operand-size prefixes
    if (i >= bytes.size()) return false;
    if (at(i) == 0x90) {
      ++i;
      continue;
    }
    // nopl / nopw: 0f 1f with a ModRM whose reg field is 0, then its SIB and displacement.
    if (i + 2 >= bytes.size() || at(i) != 0x0f || at(i + 1) != 0x1f) return false;
    unsigned modrm = at(i + 2);
    unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    if (reg != 0 || mod == 3) return false;
    std::size_t len = 3 + (rm == 4 ? 1 : 0) + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
    if (mod == 0 && rm == 5) len += 4;  // rip-relative
    i += len;
  }
  return i == bytes.size() && !bytes.empty();
}

bool FaultInfo::deletes_call_returning_to(std::uint64_t return_offset) const {
  if (before.empty() || after.size() != before.size() || !all_nops(after)) return false;
  if (offset + before.size() != return_offset) return false;
  unsigned op = static_cast<unsigned char>(before[0]);
  if (op == 0xe8) return true;  // call rel32
  // call r/m64 (ff /2)
  return op == 0xff && before.size() >= 2 &&
         ((static_cast<unsigned char>(before[1]) >> 3) & 7) == 2;
}

}  // namespace oopsim::models
