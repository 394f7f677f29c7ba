// One event of a kernel run, as the engine consumes it (decoded from a trace packet).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/kernel_model.h"

namespace oopsim::models {

enum class EventType {
  kLockAttempt,
  kLockAcquired,
  kLockRelease,
  kSyscallEnter,
  kSyscallExit,
  kFork,
  kExit,
  kWakeup,
  kSleep,
  kProgress,
  kFaultActivation,
  kOops,
  kSoftLockup,
  kHungTask,
  kPanic,
  kObjectRead,
  kObjectWrite,
  kError,
  kSiteRun,  // golden: the context ran the instruction at the fault's site
};
inline constexpr std::size_t kEventTypes = static_cast<std::size_t>(EventType::kSiteRun) + 1;

enum class OopsKind {
  kUnspecified,
  kNullDereference,
  kPagingFault,
  kGeneralProtection,
  kBug,
  kInvalidOpcode,
  kListCorruption,
  kDivideError,
  kOther,
  kStackProtector,  // a panic() at once, not an oops: no oops handler runs (trace.proto)
};

std::string_view name(EventType type);
std::string_view name(OopsKind kind);

// Events that report what happened after a crash (detectors, oopses, panics): the predictor never
// takes them from a trace, it predicts them.
bool is_report(EventType type);

// A recorded memory access (the QEMU plugin's memory record): the bytes (size 0: not recorded);
// on a write, whether the fault-free run made the same write (fault_free_known: compared) and
// whether the mutated function's own code made it (by_mutated_code_known: known).
struct MemoryAccess {
  std::uint64_t address = 0;
  std::uint32_t size = 0;
  bool fault_free_known = false;
  bool fault_free = false;
  bool by_mutated_code_known = false;
  bool by_mutated_code = false;
  // A write the record shows cannot carry the error: the fault-free run made it the same, or
  // code other than the mutated function made it.
  bool harmless_write() const {
    return (fault_free_known && fault_free) || (by_mutated_code_known && !by_mutated_code);
  }
};

struct Event {
  Ticks time = 0;
  ContextId context = 0;
  EventType type = EventType::kProgress;
  LockId lock = 0;
  LockMode mode = LockMode::kExclusive;
  ObjectId object = 0;
  ContextId target = 0;
  std::int64_t value = 0;
  std::int64_t result = 0;
  OopsKind oops_kind = OopsKind::kUnspecified;
  std::string text;
  std::string workload;
  std::uint32_t site = 0;  // the code that did it (0: unknown)
  bool trylock = false;    // lock-acquired by a trylock: it would not have waited
  // Oops: the CPU's state at the oops entry, when recorded (cpu_state.h).
  bool has_cpu_state = false;
  bool irqs_disabled = false;
  std::uint32_t preempt_count = 0;
  MemoryAccess access;  // object-read/-write: the bytes, when recorded

  // Dense indices of the ids above (declaration order), filled by the trace reader so that the
  // engine never looks an id up again. kNone where the id is not set.
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::uint32_t context_ix = kNone;
  std::uint32_t lock_ix = kNone;
  std::uint32_t object_ix = kNone;
  std::uint32_t target_ix = kNone;
  std::uint32_t workload_ix = kNone;
  std::uint32_t site_ix = kNone;
};

}  // namespace oopsim::models
