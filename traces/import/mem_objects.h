// The memory record (mem_record.h) as trace objects and events: what the context that activated
// the fault wrote, grouped into objects by memory region, and who read those bytes.
//
// - Objects: each W line of the injected run falls in one object: the slab object, the page, the
//   context's stack or task_struct, the per-CPU area's or the kernel image's symbol (kallsyms).
//   The class is pointer when a changed write of the mutated code (below) put a kernel address
//   there or replaced one, else plain. The owner is the activating context for its stack and
//   task_struct, and for any object no other context is recorded reading (in the injected run
//   before the crash, or in the fault-free run); else the object is shared (owner 0).
// - Injected section: the fault's activation (the A line), an object-write per W line with its
//   bytes, and `fault_free` when the fault-free run's record exists: true when its activating
//   context wrote the same value to the same bytes, or with the same store instruction (its own
//   copy of a per-task structure when the runs' activating tasks differ), and `by_mutated_code`
//   when the mutated function is known: whether its own instructions made the store. An
//   object-read per R line.
// - Golden section: an object-read per R line of the fault-free run whose bytes overlap an
//   injected object (what the engine may read after the crash).
// The importer then gives each object the lock its first write was made under (run_memory.cc).
// Times are the lines' jiffies on the trace's clock; events are kept before the crash when the
// clocks' tick puts them after it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "traces/format/trace.pb.h"
#include "traces/import/kallsyms.h"
#include "traces/import/mem_record.h"

namespace oopsim::traces {

struct MemImportInput {
  const MemRecord* injected = nullptr;  // required
  const MemRecord* golden = nullptr;    // may be null: writes are then not compared
  const Kallsyms* syms = nullptr;       // names global and per-CPU data (may be empty)
  // The context that ran (0: none: the line is dropped), and a line's time on the trace's clock:
  // its guest trace clock (ns=) when it has one, else its jiffies'.
  std::function<std::uint32_t(const MemContext&)> context;
  std::function<std::optional<std::uint64_t>(std::uint64_t jiffies,
                                             std::optional<std::uint64_t> ns)>
      time;
  std::optional<std::uint64_t> crash_time;  // the injected run's first oops
  // The function the fault mutated, [start, end) (unset: not known).
  std::optional<std::pair<std::uint64_t, std::uint64_t>> mutated_code;
  std::uint32_t first_object_id = 1;
};

struct MemImport {
  std::vector<trace::Object> objects;
  std::vector<trace::Event> injected;  // in time order
  std::vector<trace::Event> golden;    // in time order
  std::uint32_t activator = 0;         // 0: no activation recorded
};

MemImport import_memory(const MemImportInput& in);

}  // namespace oopsim::traces
