#include "models/subsystem_rules.h"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>

namespace oopsim::models {

extern const char* const kBuiltinSubsystemRules;  // generated from models/subsystem_rules.txt

const SubsystemRules& SubsystemRules::builtin() {
  static const SubsystemRules rules = [] {
    SubsystemRules r;
    std::string error;
    if (!r.add_rows(kBuiltinSubsystemRules, "models/subsystem_rules.txt", error)) {
      throw std::logic_error(error);  // a bad built-in table is a build defect
    }
    return r;
  }();
  return rules;
}

bool SubsystemRules::add_rows(std::string_view text, std::string_view source, std::string& error) {
  std::istringstream in{std::string(text)};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string prefix, subsystem, extra;
    if (!(words >> prefix)) continue;
    if (!(words >> subsystem) || (words >> extra)) {
      error = fmt::format("{}:{}: expected '<prefix> <subsystem>'", source, n);
      return false;
    }
    rules_.emplace_back(prefix, subsystem);
  }
  return true;
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
