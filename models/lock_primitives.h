// The kernel's lock and wait entry points, listed once in models/lock_primitives.txt: the
// guest's kprobes (the file itself, read in the guest), the live-recovery module's probes
// (traces/vm/recover/gen_headers.sh) and the importer's mapping (compiled in here) all come from
// it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/kernel_model.h"

namespace oopsim::models {

struct LockPrimitive {
  // wait / wake: a way to wait that is not a lock (a completion, a bit wait).
  enum class Op { kTake, kRelease, kDowngrade, kWait, kWake };
  // When a take got the lock, from its return value.
  enum class Success { kAlways, kNonzero, kZero };
  // The state a wait sleeps in: uninterruptible (D: the hung-task detector reports it), killable
  // (the detector skips it), interruptible (S), or the task state the caller passes as an
  // argument (which one: state_arg).
  enum class SleepState { kUninterruptible, kKillable, kInterruptible, kArgument };

  std::string symbol;  // the kernel function
  std::string probe;   // its kprobe event's name: the symbol without a leading "_raw_"
  std::string cls;     // spinlock, rwlock-read, rwlock-write, mutex, rwsem-read, ...
  LockKind kind = LockKind::kSpinlock;
  LockMode mode = LockMode::kExclusive;
  Op op = Op::kTake;
  Success success = Success::kAlways;
  SleepState state = SleepState::kUninterruptible;  // of a wait
  unsigned state_arg = 0;  // kArgument: the argument (1-6, the x86-64 calling convention's order)
  bool waits() const { return op == Op::kWait || op == Op::kWake; }
  // A take whose success only its return value tells (trylock, interruptible, killable, timeout).
  bool conditional() const { return op == Op::kTake && success != Success::kAlways; }
};

class LockPrimitives {
 public:
  static const LockPrimitives& builtin();
  // Rows `symbol class op detail` (see the .txt); false with `error` on a bad row.
  bool add_rows(std::string_view text, std::string_view source, std::string& error);
  // By kprobe event name (nullptr: not a lock primitive).
  const LockPrimitive* by_probe(std::string_view probe) const;
  const std::vector<LockPrimitive>& all() const { return rows_; }

 private:
  std::vector<LockPrimitive> rows_;  // in the table's order
};

}  // namespace oopsim::models
