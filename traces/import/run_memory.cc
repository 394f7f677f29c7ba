// The importer's part for the QEMU plugin's memory record (mem_objects.h says what it becomes).
#include <fmt/format.h>

#include "traces/import/importer.h"
#include "traces/import/mem_objects.h"
#include "traces/import/mem_record.h"
#include "traces/import/site_hits.h"

namespace oopsim::traces::import_detail {

bool Importer::add_memory(const RunText& injected, const RunText& golden,
                          std::vector<trace::Event>& inj_events,
                          std::vector<trace::Event>& gold_events, TraceError& error) {
  MemRecord inj, gold;
  std::string file = injected.mem_path.empty() ? injected.path + "/mem.txt" : injected.mem_path;
  if (!parse_mem_record(injected.mem, file, inj, error)) return false;
  if (!golden.mem.empty()) {
    file = golden.mem_path.empty() ? golden.path + "/mem.txt" : golden.mem_path;
    if (!parse_mem_record(golden.mem, file, gold, error)) return false;
  }
  SiteHits clock;  // the guest's jiffies on the trace's clock (site_hits.h)
  MemImportInput in;
  in.injected = &inj;
  in.golden = golden.mem.empty() ? nullptr : &gold;
  in.syms = &syms_;
  in.context = [&](const MemContext& c) -> std::uint32_t {
    FtraceLine l;
    l.cpu = c.cpu < 0 ? 0 : c.cpu;
    l.comm = c.comm;
    l.pid = c.pid;
    l.irq = c.irq();
    return l.pid < 0 ? 0 : ctxs_.for_line(l);
  };
  in.time = [&](std::uint64_t jiffies) -> std::optional<std::uint64_t> {
    std::uint64_t us;
    SiteHit h;
    h.jiffies = jiffies;
    if (!clock.time_us(h, us)) return std::nullopt;
    return us;
  };
  if (crashed_) in.crash_time = crash_us_;
  MemImport m = import_memory(in);
  if (m.activator != 0) {
    // The record's activation (the site's first run) replaces the one put at the crash.
    std::erase_if(inj_events,
                  [](const trace::Event& e) { return e.type() == trace::Event::FAULT_ACTIVATION; });
  }
  objects_ = std::move(m.objects);
  activator_ = m.activator;
  merge_timed(inj_events, std::move(m.injected));
  merge_timed(gold_events, std::move(m.golden));
  return true;
}

}  // namespace oopsim::traces::import_detail
