// The 15 fault types' rules: where each may be injected in decoded code, and the new bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/fault_model.h"
#include "traces/inject/code_region.h"
#include "traces/inject/mutation.h"

namespace oopsim::inject {

// Every site of `type` in `region`, in address order. Where a rule has several variants (PTR's
// bit, DSTSRC's register bit, SIZE/BCOPY/LOOP/VAR's new value), `variant_seed` picks one
// deterministically; without it the first (canonical) variant is used.
std::vector<Mutation> find_sites(models::FaultType type, const CodeRegion& region,
                                 const SymbolResolver& resolve,
                                 std::optional<std::uint64_t> variant_seed);

// splitmix64: the injector's only source of "randomness".
std::uint64_t mix_seed(std::uint64_t seed);

}  // namespace oopsim::inject
