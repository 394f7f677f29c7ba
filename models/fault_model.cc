#include "models/fault_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

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
  return fmt::format("{}+{:#x}", symbol, offset);
}

bool faults_at_return(FaultType type) {
  return type == FaultType::kVar;
}

bool faults_where_it_runs(FaultType type) {
  return type != FaultType::kIrq && type != FaultType::kFree;
}

}  // namespace oopsim::models
