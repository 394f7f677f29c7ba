#include "models/sim_time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace oopsim::models {

std::string format_seconds(Ticks t, std::uint64_t ticks_per_second) {
  auto tps = static_cast<double>(ticks_per_second);
  int digits = std::min(9, static_cast<int>(std::ceil(std::log10(tps))));
  return fmt::format("{:.{}f}s", static_cast<double>(t) / tps, digits);
}

}  // namespace oopsim::models
