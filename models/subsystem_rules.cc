#include "models/subsystem_rules.h"

#include <fmt/format.h>

#include "models/table_rows.h"

namespace oopsim::models {

extern const char* const kBuiltinSubsystemRules;  // generated from models/subsystem_rules.txt

const SubsystemRules& SubsystemRules::builtin() {
  return builtin_table<SubsystemRules>(kBuiltinSubsystemRules, "models/subsystem_rules.txt");
}

bool SubsystemRules::add_rows(std::string_view text, std::string_view source, std::string& error) {
  return read_table_rows(
      text, source,
      [&](const std::vector<std::string>& w) -> std::string {
        if (w.size() != 2) return "expected '<prefix> <subsystem>'";
        rules_.emplace_back(w[0], w[1]);
        return "";
      },
      error);
}

std::string SubsystemRules::for_symbol(std::string_view symbol) const {
  std::string best;
  std::size_t best_len = 0;
  for (const auto& [prefix, subsystem] : rules_) {
    if (symbol.substr(0, prefix.size()) == prefix && prefix.size() > best_len) {
      best = subsystem;
      best_len = prefix.size();
    }
  }
  return best;
}

std::string SubsystemRules::for_fault(const FaultInfo* fault,
                                      std::string_view crash_function) const {
  if (fault != nullptr) {
    if (fault->module == "fat" || fault->module == "vfat" || fault->module == "msdos")
      return "vfat";
    if (!fault->module.empty()) return fault->module;
    if (!fault->subsystem.empty()) return fault->subsystem;
    std::string s = for_symbol(fault->symbol);
    if (!s.empty()) return s;
  }
  return for_symbol(crash_function);
}

}  // namespace oopsim::models
