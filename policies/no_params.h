// For policies that take no parameters.
#pragma once

#include <fmt/format.h>

#include "policies/policy.h"

namespace oopsim::policies {

inline bool reject_params(std::string_view policy, const PolicyParams& params, std::string& error) {
  if (params.empty()) return true;
  error = fmt::format("policy {} takes no parameters (got '{}')", policy, params.begin()->first);
  return false;
}

}  // namespace oopsim::policies
