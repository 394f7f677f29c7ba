// Printing simulated time: ticks as seconds, with as many decimals as one tick needs (at most 9).
#pragma once

#include <cstdint>
#include <string>

#include "models/kernel_model.h"

namespace oopsim::models {

std::string format_seconds(Ticks t, std::uint64_t ticks_per_second);

}  // namespace oopsim::models
