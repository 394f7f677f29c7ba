// The kernel model: the kinds of contexts and locks a trace talks about, and what the kernel does
// with them (who can be killed, who spins, who sleeps). Plain data, no protobuf.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oopsim::models {

using ContextId = std::uint32_t;
using LockId = std::uint32_t;
using ObjectId = std::uint32_t;
using Ticks = std::uint64_t;

enum class ContextKind { kInit, kKernelThread, kUserTask, kHardIrq, kSoftIrq, kIdle };
// The last two are ways to wait that are not locks (waitables): nobody holds them; a sleeper
// waits on one until another context wakes it.
enum class LockKind { kSpinlock, kRwlock, kMutex, kRwsem, kSemaphore, kCompletion, kBitWait };
enum class LockMode { kExclusive, kShared };
enum class ObjectClass { kPointer, kChecked, kPlain };

std::string_view name(ContextKind kind);
std::string_view name(LockKind kind);
std::string_view name(LockMode mode);
std::string_view name(ObjectClass cls);

// The oops handler cannot kill init, interrupt or idle context: the kernel panics instead.
bool killable(ContextKind kind);
// Waiters on spinlocks and rwlocks spin (soft lockup); the others sleep (hung task).
bool waiters_spin(LockKind kind);
// A completion or a bit wait: slept on (sleep and wakeup events), never taken or released.
bool waitable(LockKind kind);
// Locks whose holders may share them.
bool shareable(LockKind kind);
// The detector that reports a waiter stuck on a lock of this kind.
std::string_view stuck_detector(LockKind kind);

struct ContextInfo {
  ContextId id = 0;
  std::int32_t pid = 0;
  std::int32_t tid = 0;
  std::string comm;
  ContextKind kind = ContextKind::kUserTask;
  std::vector<std::string> workloads;
  ContextId parent = 0;   // 0: exists from the start
  std::string subsystem;  // kernel threads: the subsystem they serve

  // "comm[pid]" as the kernel prints a task; "comm[pid/tid]" for a thread other than the main one.
  std::string label() const;
};

struct LockInfo {
  LockId id = 0;
  std::uint64_t address = 0;
  LockKind kind = LockKind::kSpinlock;
  std::string name;
  std::string subsystem;
  std::vector<ContextId> held_at_start;  // holders when the runs start
  LockMode start_mode = LockMode::kExclusive;
  bool handed_over = false;  // others have released it for its holder

  // "name (kind 0xaddress)".
  std::string label() const;
  // Whether others let go of it when its holder dies: a sleeping lock that others release for
  // their holder (a semaphore another task ups). A handed-over spinlock (a runqueue lock, which
  // the next task on the CPU releases at a context switch) is not: a context that dies holding
  // it dies on that CPU inside the switch, and nobody switches in to release it.
  bool released_for_dead_holder() const;
  // A handed-over spinlock: the scheduler's runqueue lock, taken by one task and released by the
  // next one at the context switch. A context that dies holding it keeps it.
  bool runqueue_lock() const;
};

struct ObjectInfo {
  ObjectId id = 0;
  std::string name;
  ObjectClass cls = ObjectClass::kPlain;
  bool cls_given = true;  // false: look `type` up in the state-class table
  std::string type;
  std::string subsystem;
  LockId guarded_by = 0;
  ContextId owner = 0;  // 0: shared
  // Captured objects: the memory region (trace.proto's Object.Region, 0: not recorded) and the
  // bytes [address, address + size).
  std::uint8_t region = 0;
  std::uint64_t address = 0;
  std::uint64_t size = 0;
};

}  // namespace oopsim::models
