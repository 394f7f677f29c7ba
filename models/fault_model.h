// The seed study's 15 fault types (swifi's single-instruction mutations).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/kernel_model.h"

namespace oopsim::models {

enum class FaultType {
  kBranch,
  kInverse,
  kPtr,
  kDstSrc,
  kInterface,
  kInit,
  kOffByOne,
  kAlloc,
  kFree,
  kSize,
  kBcopy,
  kLoop,
  kIrq,
  kVar,
  kNull,
};
inline constexpr std::array<FaultType, 15> kAllFaultTypes = {
    FaultType::kBranch,    FaultType::kInverse, FaultType::kPtr,      FaultType::kDstSrc,
    FaultType::kInterface, FaultType::kInit,    FaultType::kOffByOne, FaultType::kAlloc,
    FaultType::kFree,      FaultType::kSize,    FaultType::kBcopy,    FaultType::kLoop,
    FaultType::kIrq,       FaultType::kVar,     FaultType::kNull};

// Upper-case names as the seed prints them: BRANCH, ..., NULL.
std::string_view name(FaultType type);
std::optional<FaultType> parse_fault_type(std::string_view text);  // case-insensitive

// Whether running the mutated instruction again faults where it runs. Most types do (a bad
// pointer, operand, branch or bound); IRQ leaves interrupts disabled (the harm shows later,
// elsewhere, or not at all in interrupt context) and FREE only leaks: running them again is not
// an oops.
bool faults_where_it_runs(FaultType type);
// Whether the mutation faults only when the function returns (VAR: the stack frame no longer
// matches at `ret`), after everything the function did.
bool faults_at_return(FaultType type);
// Whether every run of the mutated instruction goes wrong. A mutated operation on data (a
// corrupted pointer, swapped operands, a wrong argument, size or initial value) or an inverted
// condition does; a deleted branch, a deleted NULL check, an off-by-one bound or a changed loop
// end changes what happens only for the data at which the condition comes out differently.
bool faults_on_every_run(FaultType type);

struct FaultInfo {
  FaultType type = FaultType::kBranch;
  std::string symbol;
  std::uint64_t offset = 0;
  std::uint64_t address = 0;
  std::string before;  // raw bytes
  std::string after;
  ContextId context = 0;
  std::uint64_t seed = 0;
  std::string module;
  std::string subsystem;
  bool site_runs_recorded = false;  // the golden section says who runs the site (site-run)
  bool site_runs_timed = false;     // and each site-run's time is exact (the guest's trace clock)
  std::vector<ContextId> site_run_contexts;  // those that run it after the crash

  // "set_fs_pwd+0x2a"; "vfat:vfat_lookup+0x99" in a module (what --site takes).
  std::string site() const;
  // Whether the mutation deletes a call (its `after` bytes are all no-ops) whose return address is
  // `return_offset` in the function: what that call did (an unlock, say) no longer happens there.
  bool deletes_call_returning_to(std::uint64_t return_offset) const;
};

// Whether `bytes` are x86 no-op instructions only (0x90 and the 0f 1f /0 forms, 66-prefixed or
// not), as a fill that deletes instructions writes them.
bool all_nops(std::string_view bytes);

}  // namespace oopsim::models
