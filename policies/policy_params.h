// Reading policy parameters (--policy=name:key=value,...).
#pragma once

#include <optional>
#include <string>

#include "policies/policy.h"

namespace oopsim::policies {

// "200ms", "1.5s", "300us", "40ns" -> seconds. nullopt for anything else.
std::optional<double> parse_duration(const std::string& text);

// Takes the duration parameter `key` (default `fallback` seconds) and rejects any other key.
// Returns false with `error` set on a bad value or an unknown key.
bool duration_param(std::string_view policy, const PolicyParams& params, const std::string& key,
                    double fallback, double& seconds, std::string& error);

inline models::Ticks to_ticks(double seconds, std::uint64_t ticks_per_second) {
  return static_cast<models::Ticks>(seconds * static_cast<double>(ticks_per_second) + 0.5);
}

}  // namespace oopsim::policies
