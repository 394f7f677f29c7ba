// The importer's inside (traces/import/run_importer.h is its interface): the Importer reads the
// two runs' ftrace text and consoles section by section (section_events.cc: each line and report
// becomes the events it means), then writes the trace (run_importer.cc). Its parts, one concept
// each: context identity (import_contexts.h), lock names and sites (lock_catalog.h), lock-state
// inference (lock_inference.h), the live classifier (observed_outcome.h), site hits (site_hits.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/kernel_model.h"
#include "models/lock_primitives.h"
#include "traces/format/packet_writer.h"
#include "traces/format/trace.pb.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/import_contexts.h"
#include "traces/import/kallsyms.h"
#include "traces/import/lock_catalog.h"
#include "traces/import/mem_objects.h"
#include "traces/import/observed_outcome.h"
#include "traces/import/run_importer.h"
#include "traces/import/site_hits.h"

namespace oopsim::traces::import_detail {

using models::ContextKind;
using models::EventType;
using models::LockKind;
using models::LockMode;

inline constexpr std::uint64_t kIrqGapUs =
    200;  // an irq context idle this long has left its handler
// The primitive a kprobe event's name stands for (models/lock_primitives.txt, the one table of
// lock and wait primitives; a probe is named as the symbol without "_raw_"); nullptr: none.
const models::LockPrimitive* classify_probe(std::string_view name);

struct Item {
  std::uint64_t time;
  std::uint64_t seq;
  const FtraceLine* line;  // or
  const ConsoleReport* report;
};

class Importer {
 public:
  Importer(const ImportOptions& options, ImportStats& stats) : opt_(options), st_(stats) {
    if (!options.kallsyms.empty()) syms_.load(options.kallsyms);
  }

  bool run(const RunText& injected, const RunText& golden, PacketWriter& out, TraceError& error);

 private:
  std::vector<FtraceLine> parse(const std::string& text);
  std::uint32_t context_for_report(const ConsoleReport& r) {
    return ctxs_.for_report(r, crash_ctx_ ? crash_ctx_ : 1);
  }
  struct Section;
  // One packet, filled by `fill`.
  template <typename Fill>
  void write(PacketWriter& out, Fill fill) {
    packet_.Clear();
    fill(packet_);
    out.write(packet_);
  }
  void write_declarations(PacketWriter& out, const std::string& console);
  void write_fault(PacketWriter& out, const RunText& golden,
                   const std::vector<trace::Event>& gold_events);
  void write_events(PacketWriter& out, const std::vector<trace::Event>& inj_events,
                    const std::vector<trace::Event>& gold_events);
  trace::TracePacket packet_;
  void note_short_golden(const std::vector<FtraceLine>& gold);
  void section(const std::vector<FtraceLine>& lines, const std::vector<ConsoleReport>* reports,
               std::vector<trace::Event>& out, bool injected);
  void on_report(Section& s, const ConsoleReport& r);
  void on_line(Section& s, const FtraceLine& l);
  bool on_lock_probe(Section& s, const FtraceLine& l, std::uint32_t ctx);
  void on_wait_probe(Section& s, const FtraceLine& l, std::uint32_t ctx,
                     const models::LockPrimitive& probe, bool ret);
  std::uint32_t target_of_wakeup(Section& s, const FtraceLine& l, bool known_only);
  void on_syscall(Section& s, const FtraceLine& l, std::uint32_t ctx);
  void on_wakeup(Section& s, const FtraceLine& l, std::uint32_t ctx);
  void on_fork(Section& s, const FtraceLine& l, std::uint32_t ctx);
  void on_mark(Section& s, const FtraceLine& l, std::uint32_t ctx);

  struct PendingTake {  // a conditional take, waiting for its return probe
    std::uint32_t lock;
    LockMode mode;
    std::uint32_t site;
    std::string callee;  // the lock function, when its caller is unknown
  };
  std::map<std::pair<std::uint32_t, std::string>, PendingTake> pending_;
  std::map<std::uint32_t, std::uint64_t> last_irq_time_;

  const ImportOptions& opt_;
  ImportStats& st_;
  Kallsyms syms_;
  ImportContexts ctxs_;
  // A lock is its address and kind: a probe of another kind at an address (memory freed and reused
  // for another lock) is another lock (FORMAT.md).
  LockCatalog locks_{syms_};
  int max_cpu_ = -1;
  // Adds the golden run's site-run events (who ran the fault's site) from site-hits.txt.
  bool add_site_runs(const RunText& golden, std::vector<trace::Event>& events, TraceError& error);
  // Merges `extra` (in time order) into `events`, leaving out what a context does before its fork
  // or after its exit (the extra events' clock is a tick coarse).
  void merge_timed(std::vector<trace::Event>& events, std::vector<trace::Event> extra);
  // Adds the memory record (run_memory.cc): objects, the activation, writes and reads.
  bool add_memory(const RunText& injected, const RunText& golden,
                  std::vector<trace::Event>& inj_events, std::vector<trace::Event>& gold_events,
                  TraceError& error);
  std::vector<trace::Object> objects_;
  std::uint32_t activator_ = 0;  // who ran the site first (the memory record), 0: not recorded
  std::vector<BadStateRead> bad_reads_;  // the injected run's, after the crash (memory record)
  void find_bad_reads(const MemImport& m);
  std::vector<BlockedWait> blocked_;  // the injected run's end (the plugin's blocked.txt)
  std::optional<std::uint64_t> last_walk_us_;
  bool read_blocked(const RunText& injected, TraceError& error);
  void guard_objects(MemImport& m, const std::vector<trace::Event>& inj_events,
                     std::uint64_t tick_hz);
  void add_recorded_holds(const MemRecord& inj, std::vector<trace::Event>& inj_events,
                          const MemImportInput& in);
  std::map<std::string, std::set<std::uint32_t>> workload_writers_;
  std::map<std::string, std::uint64_t> golden_progress_at_crash_;
  std::uint64_t crash_us_ = 0;
  std::uint32_t crash_ctx_ = 0;
  // The CPU at the injected run's first oops entry (crash-state.txt of the QEMU plugin), if known.
  std::optional<SiteHit> crash_cpu_;
  // Added to the plugin's jiffies times to put them on the trace's clock (site_hits.h).
  std::int64_t jiffies_offset_us_ = 0;
  bool site_runs_timed_ = false;  // every site hit has the guest's trace clock (ns=)
  bool crashed_ = false;
};

}  // namespace oopsim::traces::import_detail
