// Policies by name. Each policy file provides a PolicyInfo; builtin_policies.cc lists them, one
// registration line each, in the order --help prints them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "policies/policy.h"

namespace oopsim::policies {

struct PolicyInfo {
  std::string name;
  std::string description;  // one line for --help
  // Builds the policy; returns nullptr and sets `error` for bad parameters.
  std::function<std::unique_ptr<Policy>(const PolicyParams&, std::string& error)> make;
};

class PolicyRegistry {
 public:
  void add(PolicyInfo info);
  const PolicyInfo* find(std::string_view name) const;
  const std::vector<PolicyInfo>& all() const { return infos_; }

  // Builds a policy from "name" or "name:key=value,key=value". nullptr and `error` when the name
  // is unknown or the parameters are bad.
  std::unique_ptr<Policy> create(std::string_view spec, std::string& error) const;

 private:
  std::vector<PolicyInfo> infos_;
};

// The registry with every built-in policy.
const PolicyRegistry& builtin_policies();

}  // namespace oopsim::policies
