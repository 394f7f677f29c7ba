#include "policies/policy_params.h"

#include <fmt/format.h>

#include <charconv>

namespace oopsim::policies {

std::optional<double> parse_duration(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}, {"s", 1.0}};
  for (const auto& [unit, scale] : kUnits) {
    std::string_view u(unit);
    if (text.size() <= u.size() || text.compare(text.size() - u.size(), u.size(), u) != 0) continue;
    std::string number = text.substr(0, text.size() - u.size());
    double value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || value < 0) return std::nullopt;
    return value * scale;
  }
  return std::nullopt;
}

bool duration_param(std::string_view policy, const PolicyParams& params, const std::string& key,
                    double fallback, double& seconds, std::string& error) {
  seconds = fallback;
  for (const auto& [k, v] : params) {
    if (k != key) {
      error = fmt::format("policy {} has no parameter '{}' (it takes {})", policy, k, key);
      return false;
    }
    std::optional<double> d = parse_duration(v);
    if (!d) {
      error = fmt::format("policy {}: {}={} is not a duration like 200ms or 1.5s", policy, k, v);
      return false;
    }
    seconds = *d;
  }
  return true;
}

}  // namespace oopsim::policies
