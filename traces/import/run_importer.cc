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
#include "traces/import/console_log.h"
#include "traces/import/ftrace_line.h"
#include "traces/import/kallsyms.h"
#include "traces/import/killed_exit.h"

namespace oopsim::traces {

namespace {

using models::ContextKind;
using models::EventType;
using models::LockKind;
using models::LockMode;

constexpr std::uint64_t kIrqGapUs = 200;  // an irq context idle this long has left its handler

struct LockProbe {
  enum class Op { kAcquire, kRelease, kDowngrade, kNone } op = Op::kNone;
  LockKind kind = LockKind::kSpinlock;
  LockMode mode = LockMode::kExclusive;
  bool conditional = false;  // trylock / interruptible / killable / timeout: success told by _ret
  bool returns_zero_on_success = false;
};

bool starts(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// A kprobe event's lock operation, from the one table of lock primitives
// (models/lock_primitives.txt); op kNone: not a lock primitive.
LockProbe classify_probe(std::string_view name) {
  LockProbe p;
  const models::LockPrimitive* prim = models::LockPrimitives::builtin().by_probe(name);
  if (prim == nullptr) return p;
  p.kind = prim->kind;
  p.mode = prim->mode;
  switch (prim->op) {
    case models::LockPrimitive::Op::kTake:
      p.op = LockProbe::Op::kAcquire;
      break;
    case models::LockPrimitive::Op::kRelease:
      p.op = LockProbe::Op::kRelease;
      break;
    case models::LockPrimitive::Op::kDowngrade:
      p.op = LockProbe::Op::kDowngrade;
      break;
  }
  p.conditional = prim->conditional();
  p.returns_zero_on_success = prim->success == models::LockPrimitive::Success::kZero;
  return p;
}

bool kernel_thread_name(std::string_view comm) {
  static const char* kPrefixes[] = {
      "kworker",    "ksoftirqd",   "kthreadd",    "rcu_",      "migration",  "jbd2/",     "kswapd",
      "khungtaskd", "watchdog",    "cpuhp",       "kcompactd", "oom_reaper", "writeback", "kblockd",
      "scsi_",      "usb-storage", "khubd",       "flush-",    "ext4-",      "kdevtmpfs", "kauditd",
      "irq/",       "card",        "kintegrityd", "kthrotld",  "ipv6_"};
  for (const char* p : kPrefixes) {
    if (starts(comm, p)) return true;
  }
  return false;
}

struct Ctx {
  std::uint32_t id = 0;
  int pid = 0;
  std::string comm;
  ContextKind kind = ContextKind::kUserTask;
  std::uint32_t parent = 0;
  std::set<std::string> workloads;
};

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
  std::uint32_t context_for(const FtraceLine& l);
  std::uint32_t context_for_pid(int pid, const std::string& comm);
  std::uint32_t context_for_report(const ConsoleReport& r);
  std::uint32_t lock_for(std::uint64_t address, LockKind kind, std::uint64_t caller);
  void section(const std::vector<FtraceLine>& lines, const std::vector<ConsoleReport>* reports,
               std::vector<trace::Event>& out, bool injected);
  void emit(std::vector<trace::Event>& out, EventType type, std::uint32_t ctx, std::uint64_t t,
            std::uint32_t lock = 0, LockMode mode = LockMode::kExclusive);
  void classify_observed(const std::vector<FtraceLine>& lines,
                         const std::vector<ProgressMark>& progress,
                         const std::vector<ProgressMark>& golden_progress,
                         const std::vector<ConsoleReport>& reports,
                         std::vector<trace::Observed>& out);

  // Per-section lock bookkeeping.
  struct Held {
    std::uint32_t ctx;
    LockMode mode;
  };
  std::map<std::uint32_t, std::vector<Held>> holders_;
  std::map<std::uint32_t, std::vector<std::uint32_t>> held_by_;
  std::map<std::uint32_t, std::pair<std::uint32_t, LockMode>> waiting_;
  std::map<std::uint32_t, std::size_t> exit_pos_;  // context -> its exit event's index
  std::set<std::uint32_t> handed_over_;  // locks released by a context that did not take them
  struct PendingTake {                   // a conditional take, waiting for its return probe
    std::uint32_t lock;
    LockMode mode;
    std::uint32_t site;
    std::string callee;  // the lock function, when its caller is unknown
  };
  std::map<std::pair<std::uint32_t, std::string>, PendingTake> pending_;
  std::string take_callee_;  // the lock function of a take being emitted without a site
  std::map<std::uint32_t, std::uint64_t> last_irq_time_;
  void grant(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint32_t lock, LockMode mode,
             std::uint64_t t, bool force);
  void acquire(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint32_t lock, LockMode mode,
               std::uint64_t t, bool known_success);
  void release(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint32_t lock,
               std::uint64_t t, bool inferred);
  void unexit(std::vector<trace::Event>& out, std::uint32_t ctx);
  void release_all(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint64_t t,
                   bool spin_only);

  const ImportOptions& opt_;
  ImportStats& st_;
  Kallsyms syms_;
  std::map<std::string, std::uint32_t> ctx_keys_;
  std::vector<Ctx> ctxs_;
  // A lock is its address and kind: a probe of another kind at an address (memory freed and reused
  // for another lock) is another lock (FORMAT.md).
  std::map<std::pair<std::uint64_t, LockKind>, std::uint32_t> lock_ids_;
  std::vector<trace::Lock> locks_;
  // Sites: the functions that take and release locks, so the engine knows who runs what code.
  std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> site_ids_;
  std::uint32_t site_ = 0;  // the site of the lock operation being emitted (0: none)
  bool trylock_ = false;    // the take being emitted is a trylock's
  int max_cpu_ = -1;
  std::uint32_t site_for(std::uint64_t caller);
  void site_unknown_takes(std::vector<trace::Event>& events);
  // Adds the golden run's site-run events (who ran the fault's site) from site-hits.txt.
  bool add_site_runs(const RunText& golden, std::vector<trace::Event>& events, TraceError& error);
  std::map<std::string, std::set<std::uint32_t>> workload_writers_;
  std::map<std::string, std::uint64_t> golden_progress_at_crash_;
  std::uint64_t crash_us_ = 0;
  std::uint32_t crash_ctx_ = 0;
  bool crashed_ = false;
};

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

std::uint32_t Importer::context_for_pid(int pid, const std::string& comm) {
  std::string key = std::to_string(pid);
  auto it = ctx_keys_.find(key);
  if (it != ctx_keys_.end()) return it->second;
  Ctx c;
  c.id = static_cast<std::uint32_t>(ctxs_.size() + 1);
  c.pid = pid;
  c.comm = comm;
  c.kind = pid == 1                   ? ContextKind::kInit
           : kernel_thread_name(comm) ? ContextKind::kKernelThread
                                      : ContextKind::kUserTask;
  ctxs_.push_back(c);
  ctx_keys_.emplace(key, c.id);
  return c.id;
}

// The context a console report names: the interrupt or idle context of its CPU when it says so
// (an oops with <IRQ> in its stack, or in pid 0), else its task.
std::uint32_t Importer::context_for_report(const ConsoleReport& r) {
  if (r.pid < 0) return crash_ctx_ ? crash_ctx_ : 1;
  if (r.cpu >= 0 && (r.in_interrupt || r.pid == 0)) {
    FtraceLine l;
    l.cpu = r.cpu;
    l.pid = 0;
    l.comm = r.comm;
    // ksoftirqd runs softirqs in its own task; an interrupt elsewhere is a hard irq.
    l.irq = !r.in_interrupt ? '.' : r.comm.rfind("ksoftirqd", 0) == 0 ? 's' : 'h';
    return context_for(l);
  }
  return context_for_pid(r.pid, r.comm);
}

std::uint32_t Importer::context_for(const FtraceLine& l) {
  std::string key;
  ContextKind kind;
  if (l.irq == 'h' || l.irq == 'H') {
    key = fmt::format("hardirq/{}", l.cpu);
    kind = ContextKind::kHardIrq;
  } else if (l.irq == 's') {
    key = fmt::format("softirq/{}", l.cpu);
    kind = ContextKind::kSoftIrq;
  } else if (l.pid == 0) {
    key = fmt::format("idle/{}", l.cpu);
    kind = ContextKind::kIdle;
  } else {
    return context_for_pid(l.pid, l.comm);
  }
  auto it = ctx_keys_.find(key);
  if (it != ctx_keys_.end()) return it->second;
  Ctx c;
  c.id = static_cast<std::uint32_t>(ctxs_.size() + 1);
  c.pid = 0;
  c.comm = key;
  c.kind = kind;
  ctxs_.push_back(c);
  ctx_keys_.emplace(key, c.id);
  return c.id;
}

std::uint32_t Importer::lock_for(std::uint64_t address, LockKind kind, std::uint64_t caller) {
  auto it = lock_ids_.find({address, kind});
  if (it != lock_ids_.end()) return it->second;
  trace::Lock l;
  l.set_id(static_cast<std::uint32_t>(locks_.size() + 1));
  l.set_address(address);
  l.set_kind(encode(kind));
  Kallsyms::Hit data, code;
  std::string name, subsystem;
  bool is_static = syms_.lookup(address, data) &&
                   (data.type == 'd' || data.type == 'D' || data.type == 'b' || data.type == 'B') &&
                   data.offset < 4096;
  bool have_caller = syms_.lookup(caller, code);
  if (is_static) {
    name = data.offset == 0 ? data.name : fmt::format("{}+{:#x}", data.name, data.offset);
  } else if (have_caller) {
    name = fmt::format("lock@{}", code.name);  // a dynamic lock, named by where it is taken
  } else {
    name = fmt::format("lock@{:#x}", address);
  }
  if (have_caller && !code.module.empty()) {
    subsystem = code.module == "fat" || code.module == "vfat" ? "vfat" : code.module;
  } else if (have_caller) {
    subsystem = models::SubsystemRules::builtin().for_symbol(code.name);
  }
  l.set_name(name);
  if (!subsystem.empty()) l.set_subsystem(subsystem);
  locks_.push_back(l);
  lock_ids_.emplace(std::pair{address, kind}, l.id());
  return l.id();
}

std::uint32_t Importer::site_for(std::uint64_t caller) {
  Kallsyms::Hit code;
  if (caller == 0 || !syms_.lookup(caller, code)) return 0;
  if (code.name.rfind("arch_rethook", 0) == 0) return 0;  // a return probe's trampoline
  auto [it, added] = site_ids_.emplace(std::pair{code.name, code.offset},
                                       static_cast<std::uint32_t>(site_ids_.size() + 1));
  return it->second;
}

// A take whose caller is unknown (a return probe's trampoline stood in for it) happened, most
// likely, in the function that releases the lock next: it gets a site in that function, at its
// last call to the take's lock function before the release (read from the kernel's text), or at
// offset 0 (somewhere before the release) when the text does not say.
void Importer::site_unknown_takes(std::vector<trace::Event>& events) {
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> open;  // (ctx, lock) -> take
  std::vector<std::pair<std::string, std::uint64_t>> where(site_ids_.size() + 1);
  for (const auto& [w, id] : site_ids_) where[id] = w;
  for (std::size_t i = 0; i < events.size(); ++i) {
    trace::Event& e = events[i];
    if (e.lock() == 0) continue;
    std::pair key{e.context(), e.lock()};
    if (e.type() == trace::Event::LOCK_ATTEMPT || e.type() == trace::Event::LOCK_ACQUIRED) {
      if (e.site() == 0) {
        open.emplace(key, i);  // an attempt, then the acquisition that confirms it
      } else {
        open.erase(key);
      }
    } else if (e.type() == trace::Event::LOCK_RELEASE) {
      auto it = open.find(key);
      if (it == open.end()) continue;
      std::size_t take = it->second;
      open.erase(it);
      if (e.site() == 0 || e.site() >= where.size()) continue;
      const auto& [function, release_at] = where[e.site()];
      std::uint64_t at = 0;
      if (opt_.call_site && !events[take].text().empty())
        at = opt_.call_site(function, release_at, events[take].text());
      auto [sit, added] = site_ids_.emplace(std::pair{function, at},
                                            static_cast<std::uint32_t>(site_ids_.size() + 1));
      if (added) where.push_back(sit->first);
      // An attempt and the acquisition that confirms it are one take: both get the site.
      for (std::size_t j = take; j < i; ++j) {
        trace::Event& t = events[j];
        if (t.context() == e.context() && t.lock() == e.lock() && t.site() == 0 &&
            (t.type() == trace::Event::LOCK_ATTEMPT || t.type() == trace::Event::LOCK_ACQUIRED))
          t.set_site(sit->second);
      }
    }
  }
  for (trace::Event& e : events) {
    if (e.type() == trace::Event::LOCK_ATTEMPT || e.type() == trace::Event::LOCK_ACQUIRED)
      e.clear_text();
  }
}

void Importer::emit(std::vector<trace::Event>& out, EventType type, std::uint32_t ctx,
                    std::uint64_t t, std::uint32_t lock, LockMode mode) {
  trace::Event e;
  e.set_time(t);
  e.set_context(ctx);
  e.set_type(encode(type));
  if (lock != 0) e.set_lock(lock);
  if (site_ != 0 && (type == EventType::kLockAttempt || type == EventType::kLockAcquired ||
                     type == EventType::kLockRelease)) {
    e.set_site(site_);
  }
  // Marks a take without a site with its lock function until site_unknown_takes() places it.
  if (site_ == 0 && !take_callee_.empty() &&
      (type == EventType::kLockAttempt || type == EventType::kLockAcquired)) {
    e.set_text(take_callee_);
  }
  if (mode == LockMode::kShared &&
      (type == EventType::kLockAttempt || type == EventType::kLockAcquired)) {
    e.set_mode(trace::Event::SHARED);
  }
  if (trylock_ && type == EventType::kLockAcquired) e.set_trylock(true);
  out.push_back(std::move(e));
  ++st_.events;
}

void Importer::grant(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint32_t lock,
                     LockMode mode, std::uint64_t t, bool force) {
  auto& hs = holders_[lock];
  if (force) {  // the trace shows it got the lock: whoever still held it let go unseen
    std::vector<std::uint32_t> conflicting;
    for (const Held& h : hs) {
      if (mode == LockMode::kExclusive || h.mode == LockMode::kExclusive)
        conflicting.push_back(h.ctx);
    }
    for (std::uint32_t c : conflicting) release(out, c, lock, t, true);
  }
  holders_[lock].push_back({ctx, mode});
  held_by_[ctx].push_back(lock);
  emit(out, EventType::kLockAcquired, ctx, t, lock, mode);
}

void Importer::acquire(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint32_t lock,
                       LockMode mode, std::uint64_t t, bool known_success) {
  auto& mine = held_by_[ctx];
  if (std::find(mine.begin(), mine.end(), lock) != mine.end()) release(out, ctx, lock, t, true);
  bool conflict = false;
  for (const Held& h : holders_[lock]) {
    conflict = conflict || mode == LockMode::kExclusive || h.mode == LockMode::kExclusive;
  }
  if (!conflict || known_success) {
    grant(out, ctx, lock, mode, t, conflict);
    return;
  }
  emit(out, EventType::kLockAttempt, ctx, t, lock, mode);
  waiting_[ctx] = {lock, mode};
}

void Importer::release(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint32_t lock,
                       std::uint64_t t, bool inferred) {
  auto& hs = holders_[lock];
  auto it = std::find_if(hs.begin(), hs.end(), [&](const Held& h) { return h.ctx == ctx; });
  if (it == hs.end()) {
    if (hs.empty()) {
      ++st_.dropped_releases;  // taken before the window
      return;
    }
    ++st_.foreign_releases;  // e.g. a semaphore upped by another task: the holder lets go
    handed_over_.insert(lock);
    it = hs.begin();
    ctx = it->ctx;
  }
  hs.erase(it);
  auto& mine = held_by_[ctx];
  mine.erase(std::find(mine.begin(), mine.end(), lock));
  if (inferred) ++st_.inferred_releases;
  auto gone = exit_pos_.find(ctx);
  if (gone != exit_pos_.end()) {
    // The holder exited with it held (it oopsed): someone let go of it for the dead task (a
    // recovery policy at the oops, a semaphore upped by another task). Nothing follows an exit,
    // so the release goes just before it.
    std::size_t at = gone->second;
    trace::Event e;
    e.set_time(out[at].time());
    e.set_context(ctx);
    e.set_type(trace::Event::LOCK_RELEASE);
    e.set_lock(lock);
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), std::move(e));
    ++st_.events;
    for (auto& [c, pos] : exit_pos_) {
      if (pos >= at) ++pos;
    }
    return;
  }
  emit(out, EventType::kLockRelease, ctx, t, lock);
}

void Importer::unexit(std::vector<trace::Event>& out, std::uint32_t ctx) {
  auto it = exit_pos_.find(ctx);
  if (it == exit_pos_.end()) return;
  std::size_t at = it->second;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(at));
  --st_.events;
  exit_pos_.erase(it);
  for (auto& [c, pos] : exit_pos_) {
    if (pos > at) --pos;
  }
}

void Importer::release_all(std::vector<trace::Event>& out, std::uint32_t ctx, std::uint64_t t,
                           bool spin_only) {
  std::vector<std::uint32_t> held = held_by_[ctx];
  for (std::uint32_t l : held) {
    LockKind kind = static_cast<LockKind>(locks_[l - 1].kind() - 1);
    if (spin_only && !models::waiters_spin(kind)) continue;
    release(out, ctx, l, t, true);
  }
}

void Importer::section(const std::vector<FtraceLine>& lines,
                       const std::vector<ConsoleReport>* reports, std::vector<trace::Event>& out,
                       bool injected) {
  holders_.clear();
  held_by_.clear();
  waiting_.clear();
  pending_.clear();
  last_irq_time_.clear();
  std::vector<Item> items;
  std::uint64_t seq = 0;
  for (const FtraceLine& l : lines) items.push_back({l.time_us, seq++, &l, nullptr});
  if (reports != nullptr) {
    for (const ConsoleReport& r : *reports) {
      if (r.type != ConsoleReport::Type::kWorkloadError)
        items.push_back({r.time_us, seq++, nullptr, &r});
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  });
  std::set<std::uint32_t> oopsed;
  std::set<std::uint32_t> exited;
  exit_pos_.clear();
  bool first_oops = true;
  for (const Item& item : items) {
    if (item.report != nullptr) {
      const ConsoleReport& r = *item.report;
      std::uint32_t ctx = context_for_report(r);
      if (exited.count(ctx)) {
        if (r.type != ConsoleReport::Type::kOops) continue;
        // The exit tracepoint fires as do_exit begins: a task can still oops on its way out
        // (closing its files, dropping its dentries). It never finished exiting: it died there.
        unexit(out, ctx);
        exited.erase(ctx);
      }
      switch (r.type) {
        case ConsoleReport::Type::kOops: {
          if (first_oops) {
            first_oops = false;
            crashed_ = true;
            crash_us_ = r.time_us;
            crash_ctx_ = ctx;
            emit(out, EventType::kFaultActivation, ctx, r.time_us);
          }
          trace::Event e;
          e.set_time(r.time_us);
          e.set_context(ctx);
          e.set_type(trace::Event::OOPS);
          e.set_oops_kind(encode(r.kind));
          if (!r.function.empty()) e.set_text(r.function.substr(0, r.function.find('+')));
          out.push_back(std::move(e));
          ++st_.events;
          oopsed.insert(ctx);
          break;
        }
        case ConsoleReport::Type::kSoftLockup:
          emit(out, EventType::kSoftLockup, ctx, r.time_us);
          break;
        case ConsoleReport::Type::kHungTask:
          emit(out, EventType::kHungTask, ctx, r.time_us);
          break;
        case ConsoleReport::Type::kPanic:
          emit(out, EventType::kPanic, ctx, r.time_us);
          break;
        default:
          break;
      }
      continue;
    }
    const FtraceLine& l = *item.line;
    std::uint32_t ctx = context_for(l);
    if (exited.count(ctx)) continue;
    std::uint64_t t = l.time_us;
    const Ctx& c = ctxs_[ctx - 1];
    if (c.kind == ContextKind::kHardIrq || c.kind == ContextKind::kSoftIrq) {
      auto last = last_irq_time_.find(ctx);
      if (last != last_irq_time_.end() && t - last->second > kIrqGapUs)
        release_all(out, ctx, t, false);
      last_irq_time_[ctx] = t;
    }
    // A waiter that does anything else got its lock.
    if (auto w = waiting_.find(ctx); w != waiting_.end()) {
      auto [lock, mode] = w->second;
      waiting_.erase(w);
      grant(out, ctx, lock, mode, t, true);
    }
    std::string_view ev = l.event;
    bool ret = ev.size() > 4 && ev.substr(ev.size() - 4) == "_ret";
    std::string base(ret ? ev.substr(0, ev.size() - 4) : ev);
    LockProbe probe = classify_probe(base);
    if (probe.op != LockProbe::Op::kNone) {
      if (ret) {
        auto p = pending_.find({ctx, base});
        if (p == pending_.end()) continue;
        auto value = payload_field(l.payload, "ret");
        std::int64_t rv = value ? models::parse_i64(*value, 0).value_or(-1) : -1;
        bool ok = probe.returns_zero_on_success ? rv == 0 : rv == 1;
        site_ = p->second.site;
        take_callee_ = p->second.callee;
        trylock_ = base.find("trylock") != std::string::npos;
        if (ok) acquire(out, ctx, p->second.lock, p->second.mode, t, true);
        site_ = 0;
        trylock_ = false;
        take_callee_.clear();
        pending_.erase(p);
        continue;
      }
      auto addr = payload_field(l.payload, "lock");
      auto caller = payload_field(l.payload, "caller");
      if (!addr) continue;
      auto a = parse_number(*addr);
      if (!a || *a == 0) continue;
      std::uint64_t call = caller ? parse_number(*caller).value_or(0) : 0;
      std::uint32_t lock = lock_for(*a, probe.kind, call);
      site_ = site_for(call);
      // The kernel symbol the probe sits on ("spin_lock" probes _raw_spin_lock).
      std::string callee = starts(base, "spin_") || starts(base, "read_") || starts(base, "write_")
                               ? "_raw_" + base
                               : base;
      switch (probe.op) {
        case LockProbe::Op::kAcquire:
          if (probe.conditional) {
            pending_[{ctx, base}] = {lock, probe.mode, site_, site_ == 0 ? callee : ""};
          } else {
            take_callee_ = site_ == 0 ? callee : "";
            acquire(out, ctx, lock, probe.mode, t, false);
            take_callee_.clear();
          }
          break;
        case LockProbe::Op::kRelease:
          release(out, ctx, lock, t, false);
          break;
        case LockProbe::Op::kDowngrade: {
          auto& mine = held_by_[ctx];
          if (std::find(mine.begin(), mine.end(), lock) != mine.end()) {
            release(out, ctx, lock, t, false);
            grant(out, ctx, lock, LockMode::kShared, t, false);
          }
          break;
        }
        default:
          break;
      }
      site_ = 0;
      continue;
    }
    if (ev == "sys_enter" || ev == "sys_exit") {
      // The user-space boundary: a task holds no kernel lock here.
      if (!oopsed.count(ctx)) release_all(out, ctx, t, false);
      std::string_view p = l.payload;
      if (!starts(p, "NR ")) continue;
      auto nr_end = p.find(' ', 3);
      auto nr = parse_number(
          p.substr(3, nr_end == std::string_view::npos ? std::string_view::npos : nr_end - 3));
      trace::Event e;
      e.set_time(t);
      e.set_context(ctx);
      e.set_type(ev == "sys_enter" ? trace::Event::SYSCALL_ENTER : trace::Event::SYSCALL_EXIT);
      if (nr) e.set_value(static_cast<std::int64_t>(*nr));
      if (ev == "sys_exit") {
        auto eq = p.find("= ");
        if (eq != std::string_view::npos) {
          auto r = p.substr(eq + 2);
          if (auto v = models::parse_i64(r.substr(0, r.find(' ')), 0)) e.set_result(*v);
        }
      }
      out.push_back(std::move(e));
      ++st_.events;
      continue;
    }
    if (ev == "sched_switch") {
      auto state = payload_field(l.payload, "prev_state");
      bool sleeps = state && !state->empty() && ((*state)[0] == 'S' || (*state)[0] == 'D');
      if (sleeps && !oopsed.count(ctx))
        release_all(out, ctx, t, true);  // no spinning lock across sleep
      if (sleeps && opt_.sleeps) {
        emit(out, EventType::kSleep, ctx, t, 0,
             (*state)[0] == 'S' ? LockMode::kShared : LockMode::kExclusive);
      }
      continue;
    }
    if ((ev == "sched_wakeup" || ev == "sched_wakeup_new") && opt_.sleeps) {
      auto pid = payload_field(l.payload, "pid");
      auto comm = payload_field(l.payload, "comm");
      if (!pid) continue;
      std::uint32_t target = context_for_pid(static_cast<int>(parse_number(*pid).value_or(0)),
                                             comm ? std::string(*comm) : "");
      if (exited.count(target)) continue;
      trace::Event e;
      e.set_time(t);
      e.set_context(ctx);
      e.set_type(trace::Event::WAKEUP);
      e.set_target(target);
      out.push_back(std::move(e));
      ++st_.events;
      continue;
    }
    if (ev == "sched_process_fork") {
      auto pid = payload_field(l.payload, "child_pid");
      auto comm = payload_field(l.payload, "child_comm");
      if (!pid) continue;
      int child_pid = static_cast<int>(parse_number(*pid).value_or(0));
      bool known = ctx_keys_.count(std::to_string(child_pid)) != 0;
      std::uint32_t child = context_for_pid(child_pid, comm ? std::string(*comm) : "");
      if (known && ctxs_[child - 1].parent != 0 && ctxs_[child - 1].parent != ctx) {
        // The pid was another process's in the other run (forked there by another parent): this
        // one is a context of its own from here on.
        ctx_keys_.erase(std::to_string(child_pid));
        child = context_for_pid(child_pid, comm ? std::string(*comm) : "");
        known = false;
      }
      if (!known) ctxs_[child - 1].parent = ctx;
      if (ctxs_[child - 1].parent != ctx) continue;
      if (ctxs_[ctx - 1].kind == ContextKind::kKernelThread || ctxs_[ctx - 1].pid == 2) {
        ctxs_[child - 1].kind = ContextKind::kKernelThread;
      }
      trace::Event e;
      e.set_time(t);
      e.set_context(ctx);
      e.set_type(trace::Event::FORK);
      e.set_target(child);
      out.push_back(std::move(e));
      ++st_.events;
      continue;
    }
    if (ev == "sched_process_exit") {
      if (!(injected && oopsed.count(ctx))) release_all(out, ctx, t, false);
      exit_pos_[ctx] = out.size();
      emit(out, EventType::kExit, ctx, t);
      exited.insert(ctx);
      continue;
    }
    if (ev == "tracing_mark_write") {
      std::string_view p = l.payload;
      if (ProgressMark mark; starts(p, "PROGRESS ")) {
        if (!parse_progress(p, mark)) continue;  // cut short
        const std::string& name = mark.workload;
        std::uint64_t n = mark.value;
        workload_writers_[name].insert(ctx);
        if (!injected && (!crashed_ || t <= crash_us_)) golden_progress_at_crash_[name] = n;
        trace::Event e;
        e.set_time(t);
        e.set_context(ctx);
        e.set_type(trace::Event::PROGRESS);
        e.set_workload(name);
        e.set_value(static_cast<std::int64_t>(n));
        out.push_back(std::move(e));
        ++st_.events;
      } else if (starts(p, "FAIL ") && injected) {
        trace::Event e;
        e.set_time(t);
        e.set_context(ctx);
        e.set_type(trace::Event::ERROR);
        e.set_text(std::string(p));
        out.push_back(std::move(e));
        ++st_.events;
      }
      continue;
    }
  }
}

namespace {

// A run's progress marks: the trace marker's, and the console's, which outlives the trace
// transport (a crash can take the streamer down while the workloads go on).
std::vector<ProgressMark> progress_marks(const std::vector<FtraceLine>& lines,
                                         const std::string& console) {
  std::vector<ProgressMark> marks = parse_console_progress(console);
  for (const FtraceLine& l : lines) {
    ProgressMark m;
    m.time_us = l.time_us;
    if (l.event == "tracing_mark_write" && parse_progress(l.payload, m))
      marks.push_back(std::move(m));
  }
  return marks;
}

// A workload's progress after `from` (until `to`): its count before, the highest after, and when
// it last rose.
struct ProgressSpan {
  std::uint64_t before = 0, after = 0;
  std::uint64_t last_rise_us = 0;  // 0: it never rose
  std::uint64_t max_gap_us = 0;    // the longest wait for a rise, from `from` on
  bool rose() const { return after > before; }
};

ProgressSpan progress_after(const std::vector<ProgressMark>& marks, const std::string& name,
                            std::uint64_t from, std::uint64_t to) {
  ProgressSpan p;
  std::vector<const ProgressMark*> mine;
  for (const ProgressMark& m : marks) {
    if (m.workload == name && m.time_us <= to) mine.push_back(&m);
  }
  std::stable_sort(mine.begin(), mine.end(), [](const ProgressMark* a, const ProgressMark* b) {
    return a->time_us < b->time_us;
  });
  std::uint64_t high = 0;
  for (const ProgressMark* m : mine) {
    if (m->time_us <= from) {
      p.before = std::max(p.before, m->value);
    } else if (m->value > std::max(high, p.before)) {
      p.max_gap_us = std::max(p.max_gap_us, m->time_us - (p.last_rise_us ? p.last_rise_us : from));
      p.last_rise_us = m->time_us;
    }
    if (m->time_us > from) p.after = std::max(p.after, m->value);
    high = std::max(high, m->value);
  }
  return p;
}

}  // namespace

void Importer::classify_observed(const std::vector<FtraceLine>& lines,
                                 const std::vector<ProgressMark>& progress,
                                 const std::vector<ProgressMark>& golden_progress,
                                 const std::vector<ConsoleReport>& reports,
                                 std::vector<trace::Observed>& out) {
  std::uint64_t end =
      crash_us_ + (opt_.observe_window_us ? opt_.observe_window_us : UINT64_MAX / 2);
  for (const auto& [name, writers] : workload_writers_) {
    // Its required processes (the progress writers), and every process that belongs to it (their
    // descendants, the same program's other processes): a later oops in any of them is one in a
    // context the workload needs; only a required one's first oops or exit loses the workload.
    std::set<int> pids, members;
    for (std::uint32_t w : writers) pids.insert(ctxs_[w - 1].pid);
    for (const Ctx& c : ctxs_) {
      if (c.workloads.count(name) != 0) members.insert(c.pid);
    }
    members.insert(pids.begin(), pids.end());
    std::vector<models::Finding> found;
    bool first = true;
    for (const ConsoleReport& r : reports) {
      if (r.time_us < crash_us_ || r.time_us > end) continue;
      switch (r.type) {
        case ConsoleReport::Type::kOops:
          if (first) {
            first = false;
            if (pids.count(r.pid))
              found.push_back(
                  {r.time_us, models::Outcome::kNoProc,
                   fmt::format("its process {}[{}] oopsed and was killed", r.comm, r.pid)});
            continue;
          }
          if (members.count(r.pid))
            found.push_back({r.time_us, models::Outcome::kOopsAgain, r.text});
          break;
        case ConsoleReport::Type::kSoftLockup:
        case ConsoleReport::Type::kHungTask:
          if (members.count(r.pid))
            found.push_back({r.time_us, models::Outcome::kDeadlock, r.text});
          break;
        case ConsoleReport::Type::kPanic:
          found.push_back({r.time_us, models::Outcome::kPanic, r.text});
          break;
        case ConsoleReport::Type::kWorkloadError:
          if (r.comm == name) found.push_back({r.time_us, models::Outcome::kDetectError, r.text});
          break;
      }
    }
    for (const FtraceLine& l : lines) {
      if (l.event == "sched_process_exit" && pids.count(l.pid) && l.time_us > crash_us_ &&
          l.time_us <= end) {
        found.push_back(
            {l.time_us, models::Outcome::kNoProc, fmt::format("{}[{}] exited", l.comm, l.pid)});
      }
    }
    ProgressSpan mine = progress_after(progress, name, crash_us_, end);
    // A slow workload may report nothing in a short window: judge it against the golden run.
    ProgressSpan gold = progress_after(golden_progress, name, crash_us_, end);
    bool golden_progressed = gold.rose();
    // Progress that keeps coming, and which finding decides: the judge (models/outcome_judge.h),
    // which the engine's verdict uses too.
    bool progressed =
        mine.rose() && (!golden_progressed || models::progress_kept_coming(
                                                  mine.last_rise_us - crash_us_,
                                                  gold.last_rise_us - crash_us_, gold.max_gap_us));
    bool stopped_early = mine.rose() && !progressed;
    trace::Observed o;
    o.set_workload(name);
    const models::Finding* best = models::deciding_finding(found);
    if (best != nullptr) {
      o.set_outcome(encode(best->outcome));
      o.set_detail(best->why);
    } else if (progressed) {
      o.set_outcome(trace::Observed::NOT_MANIFEST);
      o.set_detail(
          fmt::format("progress went on after the crash ({} -> {})", mine.before, mine.after));
    } else if (stopped_early) {
      o.set_outcome(trace::Observed::DEADLOCK);
      o.set_detail(fmt::format(
          "progress stopped {} after the crash ({} -> {}) while the golden run's went on for {}; "
          "no detector report in the window",
          models::format_seconds(mine.last_rise_us - crash_us_, 1000000), mine.before, mine.after,
          models::format_seconds(gold.last_rise_us - crash_us_, 1000000)));
    } else if (!golden_progressed) {
      o.set_outcome(trace::Observed::NOT_MANIFEST);
      o.set_detail("no progress in the window in either run, and no failure");
    } else {
      o.set_outcome(trace::Observed::DEADLOCK);
      o.set_detail(
          "progress stopped after the crash while the golden run's went on; no detector report in "
          "the window");
    }
    out.push_back(std::move(o));
  }
}

// site-hits.txt: a header comment with HZ and INITIAL_JIFFIES, then one line per breakpoint hit:
// "jiffies cpu pid comm preempt_count". Jiffies count from boot in 1/HZ s: the hit's time on the
// trace's clock to within a tick (both clocks start at boot).
bool Importer::add_site_runs(const RunText& golden, std::vector<trace::Event>& events,
                             TraceError& error) {
  std::istringstream in(golden.site_hits);
  std::string line;
  std::uint64_t line_no = 0;
  auto bad = [&](std::string what) {
    error.kind = ErrorKind::kData;
    error.file =
        golden.site_hits_path.empty() ? golden.path + "/site-hits.txt" : golden.site_hits_path;
    error.line = line_no;
    error.what = std::move(what);
    return false;
  };
  std::uint64_t hz = 250, initial = (std::uint64_t{1} << 32) - 300 * 250;
  std::vector<trace::Event> runs;
  // "# pid-workloads 157=ext4:oopsim-fsbench 140=-:jbd2/vda-8 ...": the hits' pids are another
  // boot's. Such a pid maps to this run's task of the same workload ("-": none) and program, the
  // k-th of them by pid for the k-th there; when this run has a task of that program but not a
  // k-th, the hit is dropped; when it has none, the pid stays.
  std::map<int, std::pair<std::string, std::string>> other_boot;  // pid -> (workload, comm)
  auto map_pid = [&](int pid) -> int {
    auto it = other_boot.find(pid);
    if (it == other_boot.end()) return pid;
    const auto& [workload, program] = it->second;
    std::size_t rank = 0;
    for (const auto& [p, wc] : other_boot) rank += p < pid && wc == it->second;
    std::vector<int> here;
    bool program_here = false;
    for (const Ctx& c : ctxs_) {
      if (c.pid <= 0 || c.comm != program) continue;
      program_here = true;
      if (workload == "-" ? c.workloads.empty() : c.workloads.count(workload) != 0)
        here.push_back(c.pid);
    }
    std::sort(here.begin(), here.end());
    if (rank < here.size()) return here[rank];
    return program_here ? -1 : pid;
  };
  // the number after KEY= in a header line (its letters and digits: "HZ=250," is 250)
  auto header_number = [&](std::string_view key, std::uint64_t& value) {
    auto at = line.find(key);
    if (at == std::string::npos) return true;
    std::string_view rest = std::string_view(line).substr(at + key.size());
    std::size_t n = 0;
    while (n < rest.size() && std::isalnum(static_cast<unsigned char>(rest[n]))) ++n;
    auto v = models::parse_u64(rest.substr(0, n), 10);
    if (v) value = *v;
    return v.has_value();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("# pid-workloads", 0) == 0) {
      std::istringstream tags(line.substr(15));
      std::string tag;
      while (tags >> tag) {
        auto eq = tag.find('='), colon = tag.find(':');
        auto pid = models::parse_i64(std::string_view(tag).substr(0, eq), 10);
        if (eq == std::string::npos || colon == std::string::npos || colon < eq || !pid)
          return bad("a pid-workloads entry is not PID=WORKLOAD:PROGRAM: '" + tag + "'");
        other_boot[static_cast<int>(*pid)] = {tag.substr(eq + 1, colon - eq - 1),
                                              tag.substr(colon + 1)};
      }
      continue;
    }
    if (line.rfind("#", 0) == 0) {
      if (!header_number("HZ=", hz) || hz == 0) return bad("HZ= is not a positive number");
      if (!header_number("INITIAL_JIFFIES=", initial))
        return bad("INITIAL_JIFFIES= is not a number");
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream words(line);
    std::string jiffies_text, cpu_text, pid_text, pc_text;
    FtraceLine l;
    if (!(words >> jiffies_text >> cpu_text >> pid_text >> l.comm >> pc_text))
      return bad("a hit is not 'jiffies cpu pid comm preempt_count': '" + line + "'");
    auto jiffies = models::parse_u64(jiffies_text, 10);
    auto cpu = models::parse_i64(cpu_text, 10);
    auto pid = models::parse_i64(pid_text, 10);
    auto pc = models::parse_u64(pc_text, 0);
    if (!jiffies || !cpu || !pid || !pc)
      return bad("a hit has a field that is not a number: '" + line + "'");
    if (*jiffies < initial) continue;  // before the clock's start: no time on the trace's clock
    l.cpu = static_cast<int>(*cpu);
    l.pid = map_pid(static_cast<int>(*pid));
    if (l.pid < 0) continue;  // a task of another boot with no counterpart here (see above)
    // In an interrupt the task is the one it interrupted: the hit is the interrupt's.
    l.irq = (*pc & 0xf0000) != 0 ? 'h' : (*pc & 0x100) != 0 ? 's' : '.';
    l.time_us = (*jiffies - initial) * 1000000 / hz;
    trace::Event e;
    e.set_time(l.time_us);
    e.set_context(context_for(l));
    e.set_type(trace::Event::SITE_RUN);
    runs.push_back(std::move(e));
  }
  // A context runs nothing before its fork or after its exit (the hits' clock is a tick coarse).
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
           (ctxs_[r.context() - 1].parent != 0 && f == forked_at.end());
  });
  st_.events += runs.size();
  // The hits' lines need not be in time order (nor, after mapping, their times).
  std::stable_sort(runs.begin(), runs.end(), [](const trace::Event& a, const trace::Event& b) {
    return a.time() < b.time();
  });
  std::vector<trace::Event> merged;
  merged.reserve(events.size() + runs.size());
  std::merge(events.begin(), events.end(), runs.begin(), runs.end(), std::back_inserter(merged),
             [](const trace::Event& a, const trace::Event& b) { return a.time() < b.time(); });
  events = std::move(merged);
  return true;
}

bool Importer::run(const RunText& injected, const RunText& golden, PacketWriter& out,
                   TraceError& error) {
  std::vector<FtraceLine> inj = parse(injected.ftrace);
  std::vector<FtraceLine> gold = parse(golden.ftrace);
  std::vector<ConsoleReport> reports = parse_console(injected.console);
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
  std::vector<trace::Event> inj_events, gold_events;
  section(inj, &reports, inj_events, true);
  st_.events += add_exits_the_trace_lost(
      inj, injected.console, reports, [&](const ConsoleReport& r) { return context_for_report(r); },
      [&](std::uint32_t ctx) { return ctxs_[ctx - 1].kind == ContextKind::kUserTask; }, inj_events);
  section(gold, nullptr, gold_events, false);
  site_unknown_takes(inj_events);
  site_unknown_takes(gold_events);
  st_.crashed = crashed_;
  // Processes that write a workload's progress are what it requires; their descendants belong to
  // it.
  for (const auto& [name, writers] : workload_writers_) {
    for (std::uint32_t w : writers) ctxs_[w - 1].workloads.insert(name);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (Ctx& c : ctxs_) {
      if (c.parent == 0) continue;
      for (const std::string& w : ctxs_[c.parent - 1].workloads)
        changed = c.workloads.insert(w).second || changed;
    }
  }
  // A process of no workload that runs the same program as the processes of exactly one
  // workload belongs to it too: one forked before the window, such as a stream's other end.
  std::map<std::string, std::set<std::string>> program_workloads;
  for (const auto& [name, writers] : workload_writers_) {
    for (std::uint32_t w : writers) program_workloads[ctxs_[w - 1].comm].insert(name);
  }
  for (Ctx& c : ctxs_) {
    if (!c.workloads.empty() || c.kind != ContextKind::kUserTask) continue;
    auto it = program_workloads.find(c.comm);
    if (it != program_workloads.end() && it->second.size() == 1)
      c.workloads.insert(*it->second.begin());
  }
  // After the workloads: site hits recorded in another boot are mapped to this run's processes
  // by workload.
  if (!golden.site_hits.empty() && !add_site_runs(golden, gold_events, error)) return false;
  trace::TracePacket p;
  auto write = [&](auto fill) {
    p.Clear();
    fill(p);
    return out.write(p);
  };
  std::string release = kernel_release_from_console(injected.console);
  write([&](trace::TracePacket& x) {
    auto* h = x.mutable_header();
    h->set_format_version(1);
    if (!release.empty()) h->set_kernel_release(release);
    h->set_origin(trace::Header::CAPTURED);
    h->set_ticks_per_second(1'000'000);
    if (max_cpu_ >= 0) h->set_cpus(static_cast<std::uint32_t>(max_cpu_ + 1));
  });
  for (const Ctx& c : ctxs_) {
    write([&](trace::TracePacket& x) {
      auto* m = x.mutable_context();
      m->set_id(c.id);
      m->set_pid(c.pid);
      m->set_comm(c.comm);
      m->set_kind(encode(c.kind));
      for (const std::string& w : c.workloads) m->add_workloads(w);
      if (c.parent != 0) m->set_parent(c.parent);
    });
  }
  for (trace::Lock& l : locks_) {
    if (handed_over_.count(l.id()) != 0) l.set_handed_over(true);
  }
  for (const trace::Lock& l : locks_) write([&](trace::TracePacket& x) { *x.mutable_lock() = l; });
  std::vector<std::pair<std::uint32_t, std::pair<std::string, std::uint64_t>>> sites;
  for (const auto& [where, id] : site_ids_) sites.emplace_back(id, where);
  std::sort(sites.begin(), sites.end());
  for (const auto& site : sites) {  // (lambdas capture no structured bindings: clang 14)
    write([&](trace::TracePacket& x) {
      x.mutable_site()->set_id(site.first);
      x.mutable_site()->set_function(site.second.first);
      if (site.second.second != 0) x.mutable_site()->set_offset(site.second.second);
    });
  }
  for (const auto& workload : workload_writers_) {
    const std::string& name = workload.first;
    const auto& writers = workload.second;
    write([&](trace::TracePacket& x) {
      auto* w = x.mutable_workload();
      w->set_name(name);
      for (std::uint32_t id : writers) w->add_required_contexts(id);
      w->set_progress("progress");
      auto g = golden_progress_at_crash_.find(name);
      w->set_target((g == golden_progress_at_crash_.end() ? 0 : g->second) + 1);
    });
  }
  if (opt_.fault) {
    write([&](trace::TracePacket& x) {
      const models::FaultInfo& f = *opt_.fault;
      auto* m = x.mutable_fault();
      m->set_type(encode(f.type));
      if (!f.symbol.empty()) m->set_symbol(f.symbol);
      if (f.offset) m->set_offset(f.offset);
      if (f.address) m->set_address(f.address);
      if (!f.before.empty()) m->set_before(f.before);
      if (!f.after.empty()) m->set_after(f.after);
      m->set_context(f.context ? f.context : crash_ctx_);
      m->set_seed(f.seed);
      if (!golden.site_hits.empty()) {
        m->set_site_runs_recorded(true);
        std::set<std::uint32_t> after;
        for (const trace::Event& e : gold_events) {
          if (e.type() == trace::Event::SITE_RUN && e.time() > crash_us_) after.insert(e.context());
        }
        for (std::uint32_t id : after) m->add_site_run_contexts(id);
      }
      if (!f.subsystem.empty()) m->set_subsystem(f.subsystem);
    });
  }
  write([](trace::TracePacket& x) { x.mutable_section()->set_kind(trace::Section::INJECTED); });
  for (const trace::Event& e : inj_events)
    write([&](trace::TracePacket& x) { *x.mutable_event() = e; });
  write([](trace::TracePacket& x) { x.mutable_section()->set_kind(trace::Section::GOLDEN); });
  for (const trace::Event& e : gold_events)
    write([&](trace::TracePacket& x) { *x.mutable_event() = e; });
  if (crashed_) {
    std::vector<trace::Observed> observed;
    classify_observed(inj, progress_marks(inj, injected.console),
                      progress_marks(gold, golden.console), reports, observed);
    for (const trace::Observed& o : observed)
      write([&](trace::TracePacket& x) { *x.mutable_observed() = o; });
  }
  st_.contexts = ctxs_.size();
  st_.locks = locks_.size();
  if (!out.close()) {
    error = *out.error();
    return false;
  }
  return true;
}

}  // namespace

bool import_paired_run(const RunText& injected, const RunText& golden, const ImportOptions& options,
                       PacketWriter& out, ImportStats& stats, TraceError& error) {
  Importer importer(options, stats);
  return importer.run(injected, golden, out, error);
}

}  // namespace oopsim::traces
