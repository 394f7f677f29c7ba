// Spinlocks and rwlocks the memory record shows the activating context took and still held when
// its window ended, which the trace's lock events may lack: the tracer leaves contexts out (its
// own streamer, by design), and a take it missed leaves the engine believing the crashed context
// held nothing. A take of these locks writes the lock word from inside the lock function (the
// kernel's `_raw_spin_lock*`, `_raw_read_lock*`, `_raw_write_lock*`, models/lock_primitives.txt),
// and a release writes it again from inside the matching unlock function.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/kernel_model.h"
#include "traces/import/kallsyms.h"
#include "traces/import/mem_record.h"

namespace oopsim::traces {

struct RecordedHold {
  std::uint64_t address = 0;  // the lock
  models::LockKind kind = models::LockKind::kSpinlock;
  models::LockMode mode = models::LockMode::kExclusive;
  std::uint64_t jiffies = 0;        // of the take's store
  std::optional<std::uint64_t> ns;  // the guest's trace clock at the take's store
};

// The holds in `record` (its W lines, in order) with no later release of the same lock: a store
// outside the context's stack and its CPU's preempt count by an instruction of a take function
// of a spinning lock class,
// not followed by a store to the same address by an instruction of a release function of that
// class. Trylocks are left out (a failed one writes the word too). Functions are placed with
// `syms`.
std::vector<RecordedHold> recorded_holds(const MemRecord& record, const Kallsyms& syms);

}  // namespace oopsim::traces
