#include "traces/import/run_importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "models/lock_primitives.h"
#include "models/outcome_judge.h"
#include "models/parse_number.h"
#include "models/sim_time.h"
#include "models/subsystem_rules.h"
#include "traces/format/packet_decoder.h"
#include "traces/format/time_delta_codec.h"
#include "traces/import/console_clock.h"
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/import_contexts.h"
#include "traces/import/importer.h"
#include "traces/import/kallsyms.h"
#include "traces/import/killed_exit.h"
#include "traces/import/lock_catalog.h"
#include "traces/import/lock_inference.h"
#include "traces/import/observed_outcome.h"
#include "traces/import/site_hits.h"

namespace oopsim::traces::import_detail {

std::vector<FtraceLine> Importer::parse(const std::string& text) {
  std::vector<FtraceLine> lines;
  std::istringstream in(text);
  std::string raw;
  FtraceLine l;
  while (std::getline(in, raw)) {
    ++st_.lines;
    if (raw.empty() || raw[0] == '#') continue;
    if (!parse_ftrace_line(raw, l)) {
      ++st_.unparsed;
      continue;
    }
    max_cpu_ = std::max(max_cpu_, l.cpu);
    lines.push_back(l);
  }
  // trace_pipe merges the CPUs' buffers as it reads: put them in time order.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const FtraceLine& a, const FtraceLine& b) { return a.time_us < b.time_us; });
  return lines;
}

// The golden run's site hits (site_hits.h) as site-run events, each at its time on the trace's
// clock, by the context that ran it (a pid of another boot mapped to this run's task).
bool Importer::add_site_runs(const RunText& golden, std::vector<trace::Event>& events,
                             TraceError& error) {
  SiteHits hits;
  std::string file =
      golden.site_hits_path.empty() ? golden.path + "/site-hits.txt" : golden.site_hits_path;
  if (!parse_site_hits(golden.site_hits, file, hits, error)) return false;
  hits.offset_us = jiffies_offset_us_;  // the golden run restored the same state
  site_runs_timed_ = !hits.hits.empty() && hits.all_timed();
  std::vector<trace::Event> runs;
  for (const SiteHit& h : hits.hits) {
    FtraceLine l;
    if (!hits.time_us(h, l.time_us)) continue;  // before the clock's start
    l.cpu = h.cpu;
    l.comm = h.comm;
    l.pid = ctxs_.map_other_boot_pid(h.pid, hits.other_boot);
    if (l.pid < 0) continue;  // a task of another boot with no counterpart here
    l.irq = h.irq();
    trace::Event e = new_event(trace::Event::SITE_RUN, ctxs_.for_line(l), l.time_us);
    runs.push_back(std::move(e));
  }
  // The hits' lines need not be in time order (nor, after mapping, their times).
  std::stable_sort(runs.begin(), runs.end(), [](const trace::Event& a, const trace::Event& b) {
    return a.time() < b.time();
  });
  merge_timed(events, std::move(runs));
  return true;
}

void Importer::merge_timed(std::vector<trace::Event>& events, std::vector<trace::Event> runs) {
  std::map<std::uint32_t, std::uint64_t> forked_at, exited_at;
  for (const trace::Event& e : events) {
    if (e.type() == trace::Event::FORK) forked_at.emplace(e.target(), e.time());
    if (e.type() == trace::Event::EXIT) exited_at.emplace(e.context(), e.time());
  }
  std::erase_if(runs, [&](const trace::Event& r) {
    auto f = forked_at.find(r.context());
    auto x = exited_at.find(r.context());
    return (f != forked_at.end() && r.time() <= f->second) ||
           (x != exited_at.end() && r.time() >= x->second) ||
           (ctxs_[r.context()].parent != 0 && f == forked_at.end());
  });
  st_.events += runs.size();
  std::vector<trace::Event> merged;
  merged.reserve(events.size() + runs.size());
  std::merge(events.begin(), events.end(), runs.begin(), runs.end(), std::back_inserter(merged),
             [](const trace::Event& a, const trace::Event& b) { return a.time() < b.time(); });
  events = std::move(merged);
}

// The trace's header and declarations: contexts, locks, sites, workloads.
void Importer::write_declarations(PacketWriter& out, const std::string& console) {
  std::string release = kernel_release_from_console(console);
  write(out, [&](trace::TracePacket& x) {
    auto* h = x.mutable_header();
    h->set_format_version(kFormatVersion);
    if (!release.empty()) h->set_kernel_release(release);
    if (!opt_.kernel_package.empty()) h->set_kernel_package(opt_.kernel_package);
    if (!opt_.kernel_build_id.empty()) h->set_kernel_build_id(opt_.kernel_build_id);
    h->set_origin(trace::Header::CAPTURED);
    h->set_ticks_per_second(1'000'000);
    if (max_cpu_ >= 0) h->set_cpus(static_cast<std::uint32_t>(max_cpu_ + 1));
  });
  for (const ImportedContext& c : ctxs_.all()) {
    write(out, [&](trace::TracePacket& x) {
      auto* m = x.mutable_context();
      m->set_id(c.id);
      m->set_pid(c.pid);
      m->set_comm(c.comm);
      m->set_kind(encode(c.kind));
      for (const std::string& w : c.workloads) m->add_workloads(w);
      if (c.parent != 0) m->set_parent(c.parent);
    });
  }
  for (const trace::Lock& l : locks_.locks())
    write(out, [&](trace::TracePacket& x) { *x.mutable_lock() = l; });
  for (const trace::Object& o : objects_)
    write(out, [&](trace::TracePacket& x) { *x.mutable_object() = o; });
  for (const auto& site : locks_.sites()) {  // (lambdas capture no structured bindings: clang 14)
    write(out, [&](trace::TracePacket& x) {
      x.mutable_site()->set_id(site.first);
      x.mutable_site()->set_function(site.second.first);
      if (site.second.second != 0) x.mutable_site()->set_offset(site.second.second);
    });
  }
  for (const auto& workload : workload_writers_) {
    const std::string& name = workload.first;
    const auto& writers = workload.second;
    write(out, [&](trace::TracePacket& x) {
      auto* w = x.mutable_workload();
      w->set_name(name);
      for (std::uint32_t id : writers) w->add_required_contexts(id);
      w->set_progress("progress");
      auto g = golden_progress_at_crash_.find(name);
      w->set_target((g == golden_progress_at_crash_.end() ? 0 : g->second) + 1);
    });
  }
}

// The injected fault, with who ran its site after the crash when the golden run recorded it.
void Importer::write_fault(PacketWriter& out, const RunText& golden,
                           const std::vector<trace::Event>& gold_events) {
  write(out, [&](trace::TracePacket& x) {
    const models::FaultInfo& f = *opt_.fault;
    auto* m = x.mutable_fault();
    m->set_type(encode(f.type));
    if (!f.symbol.empty()) m->set_symbol(f.symbol);
    if (f.offset) m->set_offset(f.offset);
    if (f.address) m->set_address(f.address);
    if (!f.before.empty()) m->set_before(f.before);
    if (!f.after.empty()) m->set_after(f.after);
    m->set_context(f.context ? f.context : activator_ ? activator_ : crash_ctx_);
    m->set_seed(f.seed);
    if (!golden.site_hits.empty()) {
      m->set_site_runs_recorded(true);
      if (site_runs_timed_) m->set_site_runs_timed(true);
      std::set<std::uint32_t> after;
      for (const trace::Event& e : gold_events) {
        if (e.type() == trace::Event::SITE_RUN && e.time() > crash_us_) after.insert(e.context());
      }
      for (std::uint32_t id : after) m->add_site_run_contexts(id);
    }
    if (!f.module.empty()) m->set_module(f.module);
    if (!f.subsystem.empty()) m->set_subsystem(f.subsystem);
  });
}

void Importer::write_events(PacketWriter& out, const std::vector<trace::Event>& inj_events,
                            const std::vector<trace::Event>& gold_events) {
  write(out,
        [](trace::TracePacket& x) { x.mutable_section()->set_kind(trace::Section::INJECTED); });
  for (const trace::Event& e : inj_events)
    write(out, [&](trace::TracePacket& x) { *x.mutable_event() = e; });
  write(out, [](trace::TracePacket& x) { x.mutable_section()->set_kind(trace::Section::GOLDEN); });
  for (const trace::Event& e : gold_events)
    write(out, [&](trace::TracePacket& x) { *x.mutable_event() = e; });
}

// The golden run is what the replay reads after the crash: a trace of it that ends before the
// crash's observation window does (a stream that fell behind the guest, traces/vm/FACTS.md) cuts
// the continuation short, and the stats say by how much.
void Importer::note_short_golden(const std::vector<FtraceLine>& gold) {
  if (!crashed_ || gold.empty()) return;
  std::uint64_t end = 0;
  for (const FtraceLine& l : gold) end = std::max(end, l.time_us);
  std::uint64_t wanted = crash_us_ + opt_.observe_window_us;
  if (end < wanted) st_.golden_short_us = wanted - end;
}

bool Importer::run(const RunText& injected, const RunText& golden, PacketWriter& out,
                   TraceError& error) {
  std::vector<FtraceLine> inj = parse(injected.ftrace);
  std::vector<FtraceLine> gold = parse(golden.ftrace);
  // Console times on the trace's clock (console_clock.h), the injected run's and the golden run's
  // each from its own lines, or from the other run's when it has none (one saved state).
  std::vector<ProgressMark> inj_console = parse_console_progress(injected.console);
  std::vector<ProgressMark> gold_console = parse_console_progress(golden.console);
  PairedOffsets offsets = paired_offsets(paired_console_offset_us(inj, inj_console),
                                         paired_console_offset_us(gold, gold_console));
  std::int64_t inj_offset = offsets.injected_us;
  inj_console = on_trace_clock(std::move(inj_console), inj_offset);
  gold_console = on_trace_clock(std::move(gold_console), offsets.golden_us);
  st_.console_offset_us = inj_offset;
  st_.console_offset_borrowed = offsets.injected_borrowed;
  std::vector<ConsoleReport> reports = parse_console(injected.console);
  for (ConsoleReport& r : reports) r.time_us = on_trace_clock(r.time_us, inj_offset);
  // A crash can stop the kernel before any of the injected run's trace got out (a panic in the
  // idle task or in an interrupt, at once): the console still gives the crash, and the golden
  // run the continuation.
  bool console_oops = std::any_of(reports.begin(), reports.end(), [](const ConsoleReport& r) {
    return r.type == ConsoleReport::Type::kOops;
  });
  if (inj.empty() && !console_oops) {
    error =
        TraceError{ErrorKind::kData, injected.path, 0, 0, 0, "no ftrace lines in the injected run"};
    return false;
  }
  if (!injected.crash_state.empty()) {
    SiteHits entries;
    std::string file = injected.crash_state_path.empty() ? injected.path + "/crash-state.txt"
                                                         : injected.crash_state_path;
    if (!parse_site_hits(injected.crash_state, file, entries, error)) return false;
    if (!entries.hits.empty()) crash_cpu_ = entries.hits.front();
    // The jiffies clock against the trace's, at the oops. Timed (ns=), the plugin read both
    // clocks at the oops entry; else its count there against the console's oops (now on the
    // trace's clock) of the same task.
    auto first = std::find_if(reports.begin(), reports.end(), [](const ConsoleReport& r) {
      return r.type == ConsoleReport::Type::kOops;
    });
    std::uint64_t at = 0;
    if (crash_cpu_ && entries.time_us(crash_cpu_->jiffies, at)) {
      std::optional<std::int64_t> trace_us;
      if (crash_cpu_->ns) {
        trace_us = static_cast<std::int64_t>(*crash_cpu_->ns / 1000);
      } else if (first != reports.end() && first->pid == crash_cpu_->pid) {
        trace_us = static_cast<std::int64_t>(first->time_us);
      }
      if (trace_us) {
        jiffies_offset_us_ = *trace_us - static_cast<std::int64_t>(at);
        st_.jiffies_offset_us = jiffies_offset_us_;
      }
    }
    // The crash's instant: the kernel's oops entry (oops_begin), as the plugin timed it, of the
    // task the console's first oops names. The console gives when the report's first line was
    // stored, before the task printed it (taking and letting go of the console's locks) and
    // entered oops_begin: cut there, it looked to die holding a console lock.
    // Only later: the console's stamp comes first, and the plugin's clock can run a few ms early
    // when the host is busy (the vmlinux capture test under load: 1.7 ms).
    if (crash_cpu_ && crash_cpu_->ns && first != reports.end() && first->pid == crash_cpu_->pid &&
        *crash_cpu_->ns / 1000 > first->time_us) {
      const std::uint64_t stamped = first->time_us, entry = *crash_cpu_->ns / 1000;
      st_.crash_moved_us = static_cast<std::int64_t>(entry) - static_cast<std::int64_t>(stamped);
      // The console's later lines (its panic, the next oops) come after the oops entry, whatever
      // their stamps (a panicking kernel stamps a whole report with one time).
      for (ConsoleReport& r : reports) {
        if (r.time_us >= stamped && r.time_us < entry) r.time_us = entry;
      }
    }
  }
  std::vector<trace::Event> inj_events, gold_events;
  section(inj, &reports, inj_events, true);
  st_.events += add_exits_the_trace_lost(
      inj, inj_console, reports, [&](const ConsoleReport& r) { return context_for_report(r); },
      [&](std::uint32_t ctx) { return ctxs_[ctx].kind == ContextKind::kUserTask; }, inj_events);
  section(gold, nullptr, gold_events, false);
  note_short_golden(gold);
  locks_.place_unknown_takes(inj_events, opt_.call_site);
  locks_.place_unknown_takes(gold_events, opt_.call_site);
  if (!injected.mem.empty() && !add_memory(injected, golden, inj_events, gold_events, error))
    return false;
  if (!injected.blocked.empty() && !read_blocked(injected, error)) return false;
  st_.crashed = crashed_;
  ctxs_.assign_workloads(workload_writers_);
  // After the workloads: site hits recorded in another boot are mapped to this run's processes
  // by workload.
  if (!golden.site_hits.empty() && !add_site_runs(golden, gold_events, error)) return false;
  write_declarations(out, injected.console);
  if (opt_.fault) write_fault(out, golden, gold_events);
  write_events(out, inj_events, gold_events);
  if (crashed_) {
    std::vector<trace::Observed> observed = classify_observed(
        ObservedRun{inj, reports, ctxs_, workload_writers_, crash_us_, opt_.observe_window_us,
                    &bad_reads_, &blocked_, last_walk_us_, recording_end_us(gold, crash_us_)},
        progress_marks(inj, std::move(inj_console)), progress_marks(gold, std::move(gold_console)));
    for (const trace::Observed& o : observed)
      write(out, [&](trace::TracePacket& x) { *x.mutable_observed() = o; });
  }
  st_.contexts = ctxs_.size();
  st_.locks = locks_.lock_count();
  if (!out.close()) {
    error = *out.error();
    return false;
  }
  return true;
}

}  // namespace oopsim::traces::import_detail

namespace oopsim::traces {

std::string crash_note(const ImportStats& stats) {
  if (stats.crash_moved_us == 0) return "found";
  return fmt::format(
      "found (at the oops entry the plugin timed, {:+.1f} ms from the console's line)",
      stats.crash_moved_us / 1e3);
}

std::string_view borrowed_offset_note(const ImportStats& stats) {
  return stats.console_offset_borrowed ? " (the golden run's)" : "";
}

std::string short_golden_warning(const ImportStats& stats, const std::string& output) {
  if (stats.golden_short_us == 0) return "";
  return fmt::format(
      "{}: warning: the golden run's trace ends {:.3f} s before the crash's observation window "
      "does: the replay's continuation is cut short (a stream that fell behind: drain it, "
      "vmctl.py run --drain)\n",
      output, stats.golden_short_us / 1e6);
}

bool import_paired_run(const RunText& injected, const RunText& golden, const ImportOptions& options,
                       PacketWriter& out, ImportStats& stats, TraceError& error) {
  import_detail::Importer importer(options, stats);
  return importer.run(injected, golden, out, error);
}

}  // namespace oopsim::traces
