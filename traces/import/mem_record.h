// mem.txt: the QEMU plugin's memory record (traces/vm/plugin/mem_record.c writes it; its comment
// gives the lines' meaning), the one definition of its form in C++:
//
//   # ...                                                      comments
//   A JIFFIES CPU PID COMM PREEMPT TASK STACK                  the activation (the site's first
//   run) W JIFFIES INSN ADDR SIZE VALUE REGION START LENGTH NAME    a store by the activating
//   context E JIFFIES WHY                                              the store window ends R
//   JIFFIES CPU PID COMM PREEMPT INSN ADDR SIZE W            a load of W's bytes by another context
//   S KEY=N ...                                                totals at exit
//
// Numbers: jiffies, cpu, pid, size and W in decimal, the others in hex (0x). NAME is "-" when the
// region has none. A, W and R lines may end with `ns=N`: the guest's trace clock at the line
// (the plugin's clock=1), which puts it exactly among the trace's events.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traces/format/trace_error.h"
#include "traces/import/site_hits.h"

namespace oopsim::traces {

struct MemContext {  // who ran (A and R lines)
  std::uint64_t jiffies = 0;
  std::optional<std::uint64_t> ns;  // the guest's trace clock
  int cpu = -1;
  int pid = 0;
  std::string comm;
  std::uint32_t preempt_count = 0;
  char irq() const {
    return (preempt_count & 0xf0000) != 0 ? 'h' : (preempt_count & 0x100) != 0 ? 's' : '.';
  }
};

struct MemActivation {
  MemContext who;
  std::uint64_t task = 0, stack = 0;
};

struct MemWrite {
  std::uint64_t jiffies = 0, insn = 0, address = 0;
  std::optional<std::uint64_t> ns;  // the guest's trace clock
  std::uint32_t size = 0;
  std::uint64_t value = 0;
  std::string region;  // stack task slab global percpu page-cache anon-page page other
  std::uint64_t start = 0, length = 0;  // the object (0, 0: global data, named by symbol)
  std::string name;                     // "" for "-"
};

struct MemRead {
  MemContext who;
  std::uint64_t insn = 0, address = 0;
  std::uint32_t size = 0;
  std::uint64_t write = 0;  // the W line whose bytes it read, from 1
};

struct MemRecord {
  std::uint64_t hz = kGuestHz;  // the header's jiffies clock (site_hits.h's defaults)
  std::uint64_t initial = initial_jiffies(kGuestHz);
  // The preempt count's per-CPU offset (the header's preempt_count=, decimal): a per-CPU
  // variable up to 6.1, a field of pcpu_hot after. Not said: the importer asks kallsyms.
  std::optional<std::uint64_t> preempt_count;
  std::optional<MemActivation> activation;
  std::vector<MemWrite> writes;
  std::optional<std::uint64_t> end_jiffies;
  std::string end_why;  // oops, return, cap, work, time ("" : the window never ended)
  std::vector<MemRead> reads;
  std::map<std::string, std::uint64_t> totals;
};

// The regions a W line may name (trace.proto's Object.Region, from 1; 0: not a region).
int mem_region_code(std::string_view region);

// Parses `text` (read from `file`, for messages) into `out`; false with `error` (file and line)
// when a line is not of the form above or a reference is out of range.
bool parse_mem_record(std::string_view text, const std::string& file, MemRecord& out,
                      TraceError& error);
// The text of `record`, as parse_mem_record reads it.
std::string format_mem_record(const MemRecord& record);

}  // namespace oopsim::traces
