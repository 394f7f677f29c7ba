#include "models/kernel_model.h"

#include <fmt/format.h>

namespace oopsim::models {

std::string_view name(ContextKind kind) {
  switch (kind) {
    case ContextKind::kInit:
      return "init";
    case ContextKind::kKernelThread:
      return "kernel-thread";
    case ContextKind::kUserTask:
      return "user-task";
    case ContextKind::kHardIrq:
      return "hard-irq";
    case ContextKind::kSoftIrq:
      return "softirq";
    case ContextKind::kIdle:
      return "idle";
  }
  return "?";
}

std::string_view name(LockKind kind) {
  switch (kind) {
    case LockKind::kSpinlock:
      return "spinlock";
    case LockKind::kRwlock:
      return "rwlock";
    case LockKind::kMutex:
      return "mutex";
    case LockKind::kRwsem:
      return "rwsem";
    case LockKind::kSemaphore:
      return "semaphore";
    case LockKind::kCompletion:
      return "completion";
    case LockKind::kBitWait:
      return "bit-wait";
  }
  return "?";
}

std::string_view name(LockMode mode) {
  return mode == LockMode::kShared ? "shared" : "exclusive";
}

std::string_view name(ObjectClass cls) {
  switch (cls) {
    case ObjectClass::kPointer:
      return "pointer";
    case ObjectClass::kChecked:
      return "checked";
    case ObjectClass::kPlain:
      return "plain";
  }
  return "?";
}

bool killable(ContextKind kind) {
  return kind == ContextKind::kKernelThread || kind == ContextKind::kUserTask;
}

bool waiters_spin(LockKind kind) {
  return kind == LockKind::kSpinlock || kind == LockKind::kRwlock;
}

bool waitable(LockKind kind) {
  return kind == LockKind::kCompletion || kind == LockKind::kBitWait;
}

bool shareable(LockKind kind) {
  return kind == LockKind::kRwlock || kind == LockKind::kRwsem;
}

std::string_view stuck_detector(LockKind kind) {
  return waiters_spin(kind) ? "soft lockup" : "hung task";
}

std::string ContextInfo::label() const {
  // A thread other than its process's main one is told apart by its tid.
  if (tid != 0 && tid != pid) return fmt::format("{}[{}/{}]", comm, pid, tid);
  return fmt::format("{}[{}]", comm, pid);
}

std::string LockInfo::label() const {
  return fmt::format("{} ({} {:#x})", name.empty() ? "?" : name, models::name(kind), address);
}

bool LockInfo::released_for_dead_holder() const {
  return handed_over && !waiters_spin(kind);
}

bool LockInfo::runqueue_lock() const {
  return handed_over && waiters_spin(kind);
}

}  // namespace oopsim::models
