// The fault injector: swifi-style single-instruction mutations of x86-64 kernel text, for the
// seed study's 15 fault types. Deterministic: the same inputs and seed give the same mutation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/fault_model.h"
#include "traces/inject/code_region.h"
#include "traces/inject/coverage.h"
#include "traces/inject/mutation.h"

namespace oopsim::inject {

// All candidate sites of `type` in the region (in address order), and the canonical mutation
// for each (seed 0: the first variant where a rule has several). ALLOC, FREE, SIZE, IRQ (calls)
// and BCOPY (memcpy/memset) need `resolve` to name call targets.
std::vector<Mutation> candidate_sites(models::FaultType type, const CodeRegion& region,
                                      const SymbolResolver& resolve = {});

// A deterministic choice among the candidates of all regions (in the order given), and of the
// variant at that site, from `seed`. With `executed`, only candidates whose instruction a
// fault-free run executed are drawn from (coverage.h).
std::optional<Mutation> choose_mutation(models::FaultType type,
                                        const std::vector<CodeRegion>& regions, std::uint64_t seed,
                                        const SymbolResolver& resolve = {},
                                        const Coverage* executed = nullptr);

// The mutation of `type` at symbol+offset; nullopt and `error` when the offset is outside the
// region, not an instruction boundary, or not a site of that type. `seed` picks the variant.
std::optional<Mutation> mutation_at(models::FaultType type, const CodeRegion& region,
                                    std::uint64_t offset, std::string& error,
                                    const SymbolResolver& resolve = {},
                                    std::optional<std::uint64_t> seed = std::nullopt);

// Explicit replacement bytes at symbol+offset: they must start and end on instruction
// boundaries and differ from the bytes there.
std::optional<Mutation> mutation_with_bytes(models::FaultType type, const CodeRegion& region,
                                            std::uint64_t offset, std::string_view after,
                                            std::string& error);

}  // namespace oopsim::inject
