#include "policies/policy_registry.h"

#include <fmt/format.h>

#include <stdexcept>

namespace oopsim::policies {

void PolicyRegistry::add(PolicyInfo info) {
  if (find(info.name) != nullptr) throw std::logic_error("policy registered twice: " + info.name);
  infos_.push_back(std::move(info));
}

const PolicyInfo* PolicyRegistry::find(std::string_view name) const {
  for (const PolicyInfo& p : infos_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::unique_ptr<Policy> PolicyRegistry::create(std::string_view spec, std::string& error) const {
  std::string_view name = spec.substr(0, spec.find(':'));
  const PolicyInfo* info = find(name);
  if (info == nullptr) {
    std::string names;
    for (const PolicyInfo& p : infos_) names += (names.empty() ? "" : ", ") + p.name;
    error = fmt::format("unknown policy '{}' (known: {})", name, names);
    return nullptr;
  }
  PolicyParams params;
  if (name.size() < spec.size()) {
    std::string_view rest = spec.substr(name.size() + 1);
    while (!rest.empty()) {
      std::string_view item = rest.substr(0, rest.find(','));
      rest.remove_prefix(std::min(rest.size(), item.size() + 1));
      auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        error = fmt::format("policy parameter '{}' is not key=value", item);
        return nullptr;
      }
      params[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
    }
  }
  return info->make(params, error);
}

}  // namespace oopsim::policies
