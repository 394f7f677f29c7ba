// Which subsystem a fault belongs to: its module if it has one, its declared subsystem, else the
// longest symbol-prefix rule in models/subsystem_rules.txt (data, extensible like the state
// classes).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/fault_model.h"

namespace oopsim::models {

class SubsystemRules {
 public:
  static const SubsystemRules& builtin();
  bool add_rows(std::string_view text, std::string_view source, std::string& error);
  // "" when no rule matches.
  std::string for_symbol(std::string_view symbol) const;
  // Module (fat and msdos count as vfat), else declared subsystem, else symbol rules on the
  // fault's symbol, else on `crash_function`.
  std::string for_fault(const FaultInfo* fault, std::string_view crash_function) const;

 private:
  std::vector<std::pair<std::string, std::string>> rules_;  // prefix, subsystem
};

}  // namespace oopsim::models
