// The importer's parts for the QEMU plugin's memory record (mem_objects.h says what it becomes)
// and for its record of where tasks sleep at the end of the injected run (blocked_tasks.h).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/consistency_model.h"
#include "models/event.h"
#include "traces/import/blocked_tasks.h"
#include "traces/import/importer.h"
#include "traces/import/lock_inference.h"
#include "traces/import/mem_objects.h"
#include "traces/import/mem_record.h"
#include "traces/import/recorded_locks.h"
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
  SiteHits clock;  // the guest's jiffies on the trace's clock (site_hits.h), as the record says
  clock.hz = inj.hz;
  clock.initial = inj.initial;
  clock.offset_us = jiffies_offset_us_;
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
  in.time = [&](std::uint64_t jiffies,
                std::optional<std::uint64_t> ns) -> std::optional<std::uint64_t> {
    if (ns) return *ns / 1000;
    std::uint64_t us;
    if (!clock.time_us(jiffies, us)) return std::nullopt;
    return us;
  };
  if (crashed_) in.crash_time = crash_us_;
  const Kallsyms::Sym* mutated = nullptr;  // the mutated function: its symbol's bytes
  std::uint64_t mutated_end = 0;
  if (opt_.fault && opt_.fault->address != 0 &&
      syms_.span(opt_.fault->address, mutated, mutated_end) && mutated_end != 0)
    in.mutated_code = {mutated->address, mutated_end};
  MemImport m = import_memory(in);
  if (m.activator != 0) {
    // The record's activation (the site's first run) replaces the one put at the crash.
    std::erase_if(inj_events,
                  [](const trace::Event& e) { return e.type() == trace::Event::FAULT_ACTIVATION; });
  }
  find_bad_reads(m);
  guard_objects(m, inj_events, inj.hz);
  // The record's holds are the crash's only when its window ran to the oops.
  if (crashed_ && m.activator == crash_ctx_ && inj.end_why == "oops")
    add_recorded_holds(inj, inj_events, in);
  objects_ = std::move(m.objects);
  activator_ = m.activator;
  merge_timed(inj_events, std::move(m.injected));
  merge_timed(gold_events, std::move(m.golden));
  return true;
}

bool Importer::read_blocked(const RunText& injected, TraceError& error) {
  BlockedTasks b;
  std::string file =
      injected.blocked_path.empty() ? injected.path + "/blocked.txt" : injected.blocked_path;
  if (!parse_blocked_tasks(injected.blocked, file, b, error)) return false;
  SiteHits clock;  // the guest's jiffies on the trace's clock (site_hits.h), as the record says
  clock.hz = b.hz;
  clock.initial = b.initial;
  clock.offset_us = jiffies_offset_us_;
  std::uint64_t us = 0;
  if (b.last_walk && clock.time_us(*b.last_walk, us)) last_walk_us_ = us;
  for (const BlockedTask& t : b.blocked) {
    us = 0;
    clock.time_us(t.since, us);
    blocked_.push_back({t.pid, t.comm, t.state, us, where_it_waits(t, syms_)});
  }
  return true;
}

// Spinning locks the record shows the crashed context took and still held at the oops
// (recorded_locks.h) that the trace's events do not show it taking: a take is added before the
// crash, after the last release of that lock by another context, unless another context takes
// it after that (before or after the crash: the real run says it was free).
void Importer::add_recorded_holds(const MemRecord& inj, std::vector<trace::Event>& inj_events,
                                  const MemImportInput& in) {
  std::vector<trace::Event> added;
  for (const RecordedHold& h : recorded_holds(inj, syms_)) {
    std::uint32_t lock = locks_.lock_for(h.address, h.kind, 0);
    std::uint64_t at = in.time(h.jiffies, h.ns).value_or(0);
    bool traced = false, taken_after = false;
    for (const trace::Event& e : inj_events) {
      if (e.lock() != lock || e.time() > crash_us_) continue;
      if (e.context() == crash_ctx_) traced = true;
      if (e.context() != crash_ctx_ && e.type() == trace::Event::LOCK_RELEASE)
        at = std::max(at, e.time() + 1);
    }
    for (const trace::Event& e : inj_events) {
      if (e.lock() == lock && e.context() != crash_ctx_ && e.time() >= at &&
          e.type() == trace::Event::LOCK_ACQUIRED)
        taken_after = true;  // the real run says the lock was free then
    }
    if (traced || taken_after || at >= crash_us_) continue;
    trace::Event e = new_event(trace::Event::LOCK_ACQUIRED, crash_ctx_, at);
    e.set_lock(lock);
    if (h.mode == models::LockMode::kShared) e.set_mode(trace::Event::SHARED);
    added.push_back(std::move(e));
  }
  std::stable_sort(added.begin(), added.end(), [](const trace::Event& a, const trace::Event& b) {
    return a.time() < b.time();
  });
  merge_timed(inj_events, std::move(added));
}

// Each written object's guarding lock: the lock the activating context took last among those it
// held through the whole tick of the object's first write (the record's clock is the guest's
// jiffies: a lock taken or let go within that tick may not have been held at the write).
// Per-CPU objects get none (the engine ignores one in older traces: bad_state_marks.cc).
void Importer::guard_objects(MemImport& m, const std::vector<trace::Event>& inj_events,
                             std::uint64_t tick_hz) {
  struct Hold {
    std::uint32_t lock;
    std::uint64_t from, to;
  };
  std::vector<Hold> holds;
  std::map<std::uint32_t, std::size_t> open;  // lock id -> its hold
  for (const trace::Event& e : inj_events) {
    if (e.context() != m.activator) continue;
    if (e.type() == trace::Event::LOCK_ACQUIRED) {
      open[e.lock()] = holds.size();
      holds.push_back({e.lock(), e.time(), UINT64_MAX});
    } else if (auto h = open.find(e.lock());
               e.type() == trace::Event::LOCK_RELEASE && h != open.end()) {
      holds[h->second].to = e.time();
      open.erase(h);
    }
  }
  const std::uint64_t tick_us = 1'000'000 / tick_hz;
  std::map<std::uint32_t, trace::Object*> by_id;
  for (trace::Object& o : m.objects) by_id[o.id()] = &o;
  std::set<std::uint32_t> placed;
  for (const trace::Event& e : m.injected) {
    if (e.type() != trace::Event::OBJECT_WRITE || !placed.insert(e.object()).second) continue;
    const Hold* best = nullptr;
    for (const Hold& h : holds) {
      if (h.from <= e.time() && h.to >= e.time() + tick_us && (!best || h.from > best->from))
        best = &h;
    }
    // Per-CPU data is kept by preemption or interrupts being off, not by a lock the writer held.
    trace::Object* o = by_id[e.object()];
    if (best && o->region() != trace::Object::PERCPU) o->set_guarded_by(best->lock);
  }
}

// The injected run's reads, after the crash, of bytes the fault changed: the consistency model
// (models/consistency_model.h) the engine keeps, fed the record's writes and reads.
void Importer::find_bad_reads(const MemImport& m) {
  if (!crashed_) return;
  models::ConsistencyModel state;
  state.resize(m.objects.size());
  std::map<std::uint32_t, std::uint32_t> index;  // object id -> index
  for (std::uint32_t i = 0; i < m.objects.size(); ++i) index[m.objects[i].id()] = i;
  for (const trace::Event& e : m.injected) {
    auto o = index.find(e.object());
    if (o == index.end()) continue;
    models::MemoryAccess access{
        e.address(),        e.size(), e.has_fault_free(), e.fault_free(), e.has_by_mutated_code(),
        e.by_mutated_code()};
    if (e.type() == trace::Event::OBJECT_WRITE && !access.harmless_write()) {
      state.taint_bytes(o->second, e.address(), e.size(), "");
    } else if (e.type() == trace::Event::OBJECT_READ && e.time() > crash_us_ &&
               state.bad_at(o->second, e.address(), e.size())) {
      const ImportedContext& c = ctxs_[e.context()];
      bad_reads_.push_back({e.time(), c.pid,
                            fmt::format("{}[{}] read {}, which the fault changed, and went on",
                                        c.comm, c.pid, m.objects[o->second].name())});
    }
  }
}

}  // namespace oopsim::traces::import_detail
