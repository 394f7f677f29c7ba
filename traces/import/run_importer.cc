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
#include "traces/import/import_contexts.h"
#include "traces/import/kallsyms.h"
#include "traces/import/killed_exit.h"
#include "traces/import/observed_outcome.h"
#include "traces/import/site_hits.h"

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
  std::uint32_t lock_for(std::uint64_t address, LockKind kind, std::uint64_t caller);
  void section(const std::vector<FtraceLine>& lines, const std::vector<ConsoleReport>* reports,
               std::vector<trace::Event>& out, bool injected);
  void emit(std::vector<trace::Event>& out, EventType type, std::uint32_t ctx, std::uint64_t t,
            std::uint32_t lock = 0, LockMode mode = LockMode::kExclusive);

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
  ImportContexts ctxs_;
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
    std::uint32_t ctx = ctxs_.for_line(l);
    if (exited.count(ctx)) continue;
    std::uint64_t t = l.time_us;
    const ImportedContext& c = ctxs_[ctx];
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
      std::uint32_t target = ctxs_.for_pid(static_cast<int>(parse_number(*pid).value_or(0)),
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
      bool known = ctxs_.knows_pid(child_pid);
      std::uint32_t child = ctxs_.for_pid(child_pid, comm ? std::string(*comm) : "");
      if (known && ctxs_[child].parent != 0 && ctxs_[child].parent != ctx) {
        // The pid was another process's in the other run (forked there by another parent): this
        // one is a context of its own from here on.
        ctxs_.forget_pid(child_pid);
        child = ctxs_.for_pid(child_pid, comm ? std::string(*comm) : "");
        known = false;
      }
      if (!known) ctxs_[child].parent = ctx;
      if (ctxs_[child].parent != ctx) continue;
      if (ctxs_[ctx].kind == ContextKind::kKernelThread || ctxs_[ctx].pid == 2) {
        ctxs_[child].kind = ContextKind::kKernelThread;
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

// The golden run's site hits (site_hits.h) as site-run events, each at its time on the trace's
// clock, by the context that ran it (a pid of another boot mapped to this run's task).
bool Importer::add_site_runs(const RunText& golden, std::vector<trace::Event>& events,
                             TraceError& error) {
  SiteHits hits;
  std::string file =
      golden.site_hits_path.empty() ? golden.path + "/site-hits.txt" : golden.site_hits_path;
  if (!parse_site_hits(golden.site_hits, file, hits, error)) return false;
  std::vector<trace::Event> runs;
  for (const SiteHit& h : hits.hits) {
    FtraceLine l;
    if (!hits.time_us(h, l.time_us)) continue;  // before the clock's start
    l.cpu = h.cpu;
    l.comm = h.comm;
    l.pid = ctxs_.map_other_boot_pid(h.pid, hits.other_boot);
    if (l.pid < 0) continue;  // a task of another boot with no counterpart here
    l.irq = h.irq();
    trace::Event e;
    e.set_time(l.time_us);
    e.set_context(ctxs_.for_line(l));
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
           (ctxs_[r.context()].parent != 0 && f == forked_at.end());
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
      [&](std::uint32_t ctx) { return ctxs_[ctx].kind == ContextKind::kUserTask; }, inj_events);
  section(gold, nullptr, gold_events, false);
  site_unknown_takes(inj_events);
  site_unknown_takes(gold_events);
  st_.crashed = crashed_;
  ctxs_.assign_workloads(workload_writers_);
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
  for (const ImportedContext& c : ctxs_.all()) {
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
    std::vector<trace::Observed> observed = classify_observed(
        ObservedRun{inj, reports, ctxs_, workload_writers_, crash_us_, opt_.observe_window_us},
        progress_marks(inj, injected.console), progress_marks(gold, golden.console));
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
