// One section of a run: its ftrace lines and console reports, in time order, each turned into the
// events it means (lock operations through lock-state inference, oopses and detector reports,
// syscalls, sleeps and wakeups, forks and exits, the workloads' progress).
#include <fmt/format.h>

#include <algorithm>

#include "models/lock_primitives.h"
#include "models/parse_number.h"
#include "traces/format/packet_decoder.h"
#include "traces/import/importer.h"
#include "traces/import/lock_inference.h"
#include "traces/import/wait_pairs.h"

namespace oopsim::traces::import_detail {

const models::LockPrimitive* classify_probe(std::string_view name) {
  return models::LockPrimitives::builtin().by_probe(name);
}

// One section (the injected or the golden run): its ftrace lines and console reports in time
// order, each turned into the events it means.
struct Importer::Section {
  Section(std::vector<trace::Event>& events, ImportStats& stats, LockCatalog& catalog,
          bool injected_run, std::uint64_t replayed_from)
      : out(events, stats),
        locks(catalog, out),
        waits(
            out,
            [&catalog](const WaitKey& k, std::uint64_t caller) {
              return catalog.lock_for(k.address, k.kind, caller);
            },
            replayed_from),
        injected(injected_run) {}
  EventOut out;
  LockInference locks;
  WaitPairs waits;
  bool injected;
  std::set<std::uint32_t> oopsed;
  std::set<std::uint32_t> exited;
  bool first_oops = true;
};

void Importer::section(const std::vector<FtraceLine>& lines,
                       const std::vector<ConsoleReport>* reports, std::vector<trace::Event>& out,
                       bool injected) {
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
  // The golden run's events before the crash are not replayed (FORMAT.md).
  Section s(out, st_, locks_, injected, !injected && crashed_ ? crash_us_ : 0);
  for (const Item& item : items) {
    if (item.report != nullptr) {
      on_report(s, *item.report);
    } else {
      on_line(s, *item.line);
    }
  }
  s.waits.finish();
  std::vector<trace::Event> early = s.waits.take_early();
  std::stable_sort(early.begin(), early.end(), [](const trace::Event& a, const trace::Event& b) {
    return a.time() < b.time();
  });
  merge_timed(out, std::move(early));
}

void Importer::on_report(Section& s, const ConsoleReport& r) {
  std::uint32_t ctx = context_for_report(r);
  if (s.exited.count(ctx)) {
    if (r.type != ConsoleReport::Type::kOops) return;
    // The exit tracepoint fires as do_exit begins: a task can still oops on its way out (closing
    // its files, dropping its dentries). It never finished exiting: it died there.
    s.locks.unexit(ctx);
    s.exited.erase(ctx);
  }
  switch (r.type) {
    case ConsoleReport::Type::kOops: {
      if (s.first_oops) {
        s.first_oops = false;
        crashed_ = true;
        crash_us_ = r.time_us;
        crash_ctx_ = ctx;
        s.out.emit(EventType::kFaultActivation, ctx, r.time_us);
      }
      trace::Event e = new_event(trace::Event::OOPS, ctx, r.time_us);
      e.set_oops_kind(encode(r.kind));
      if (!r.function.empty()) e.set_text(r.function.substr(0, r.function.find('+')));
      if (crash_cpu_ && ctx == crash_ctx_ && r.time_us == crash_us_ && crash_cpu_->pid == r.pid) {
        // The kernel's own word on where it was: the task the console names may only have been
        // interrupted (x86 keeps bit 31 of the count inverted, apart from the count).
        e.set_preempt_count(static_cast<std::uint32_t>(crash_cpu_->preempt_count & 0x7fffffff));
        if (crash_cpu_->flags) e.set_irqs_disabled((*crash_cpu_->flags & 0x200) == 0);
      }
      s.out.push(std::move(e));
      s.oopsed.insert(ctx);
      break;
    }
    case ConsoleReport::Type::kSoftLockup:
      s.out.emit(EventType::kSoftLockup, ctx, r.time_us);
      break;
    case ConsoleReport::Type::kHungTask:
      s.out.emit(EventType::kHungTask, ctx, r.time_us);
      break;
    case ConsoleReport::Type::kPanic:
      s.out.emit(EventType::kPanic, ctx, r.time_us);
      break;
    default:
      break;
  }
}

void Importer::on_line(Section& s, const FtraceLine& l) {
  std::uint32_t ctx = ctxs_.for_line(l);
  if (s.exited.count(ctx)) return;
  std::uint64_t t = l.time_us;
  const ImportedContext& c = ctxs_[ctx];
  if (c.kind == ContextKind::kHardIrq || c.kind == ContextKind::kSoftIrq) {
    auto last = last_irq_time_.find(ctx);
    if (last != last_irq_time_.end() && t - last->second > kIrqGapUs)
      s.locks.release_all(ctx, t, false);
    last_irq_time_[ctx] = t;
  }
  // A waiter that does anything else got its lock.
  if (auto w = s.locks.stop_waiting(ctx)) s.locks.grant(ctx, w->first, w->second, t, true);
  std::string_view ev = l.event;
  if (on_lock_probe(s, l, ctx)) return;
  if (ev == "sys_enter" || ev == "sys_exit") {
    on_syscall(s, l, ctx);
  } else if (ev == "sched_switch") {
    auto state = payload_field(l.payload, "prev_state");
    bool sleeps = state && !state->empty() && ((*state)[0] == 'S' || (*state)[0] == 'D');
    if (sleeps && !s.oopsed.count(ctx))
      s.locks.release_all(ctx, t, true);  // no spinning lock across sleep
    if (sleeps && opt_.sleeps) {
      s.out.emit(EventType::kSleep, ctx, t, 0,
                 (*state)[0] == 'S' ? LockMode::kShared : LockMode::kExclusive);
    } else if (sleeps) {
      s.waits.sleeps(ctx, t);
    }
  } else if (ev == "sched_wakeup" || ev == "sched_wakeup_new") {
    if (opt_.sleeps) {
      on_wakeup(s, l, ctx);
    } else if (std::uint32_t target = target_of_wakeup(s, l, true); target != 0) {
      s.waits.woken(ctx, target, t);
    }
  } else if (ev == "sched_process_fork") {
    on_fork(s, l, ctx);
  } else if (ev == "sched_process_exit") {
    if (!(s.injected && s.oopsed.count(ctx))) s.locks.release_all(ctx, t, false);
    s.locks.exited_at(ctx, s.out.events().size());
    s.out.emit(EventType::kExit, ctx, t);
    s.exited.insert(ctx);
  } else if (ev == "tracing_mark_write") {
    on_mark(s, l, ctx);
  }
}

// A lock probe's line (false: not one): a take, its return (did a conditional take succeed), a
// release or a downgrade.
bool Importer::on_lock_probe(Section& s, const FtraceLine& l, std::uint32_t ctx) {
  std::string_view ev = l.event;
  bool ret = ev.size() > 4 && ev.substr(ev.size() - 4) == "_ret";
  std::string base(ret ? ev.substr(0, ev.size() - 4) : ev);
  const models::LockPrimitive* found = classify_probe(base);
  if (found == nullptr) return false;
  const models::LockPrimitive& probe = *found;
  if (probe.waits()) {
    if (!opt_.sleeps) on_wait_probe(s, l, ctx, probe, ret);
    return true;
  }
  std::uint64_t t = l.time_us;
  if (ret) {
    auto p = pending_.find({ctx, base});
    if (p == pending_.end()) return true;
    auto value = payload_field(l.payload, "ret");
    std::int64_t rv = value ? models::parse_i64(*value, 0).value_or(-1) : -1;
    bool ok = probe.success == models::LockPrimitive::Success::kZero ? rv == 0 : rv == 1;
    OpSite op{p->second.site, p->second.callee, base.find("trylock") != std::string::npos};
    if (ok) s.locks.acquire(ctx, p->second.lock, p->second.mode, t, true, op);
    pending_.erase(p);
    return true;
  }
  auto addr = payload_field(l.payload, "lock");
  auto caller = payload_field(l.payload, "caller");
  if (!addr) return true;
  auto a = parse_number(*addr);
  if (!a || *a == 0) return true;
  std::uint64_t call = caller ? parse_number(*caller).value_or(0) : 0;
  std::uint32_t lock = locks_.lock_for(*a, probe.kind, call);
  OpSite op{locks_.site_for(call), "", false};
  using Op = models::LockPrimitive::Op;
  switch (probe.op) {
    case Op::kTake:
      if (probe.conditional()) {
        pending_[{ctx, base}] = {lock, probe.mode, op.site, op.site == 0 ? probe.symbol : ""};
      } else {
        op.callee = op.site == 0 ? probe.symbol : "";
        s.locks.acquire(ctx, lock, probe.mode, t, false, op);
      }
      break;
    case Op::kRelease:
      s.locks.release(ctx, lock, t, false, op);
      break;
    case Op::kDowngrade:
      if (s.locks.holds(ctx, lock)) {
        s.locks.release(ctx, lock, t, false, op);
        s.locks.grant(ctx, lock, LockMode::kShared, t, false, op);
      }
      break;
    default:
      break;
  }
  return true;
}

void Importer::on_syscall(Section& s, const FtraceLine& l, std::uint32_t ctx) {
  std::string_view ev = l.event;
  // The user-space boundary: a task holds no kernel lock here.
  if (!s.oopsed.count(ctx)) s.locks.release_all(ctx, l.time_us, false);
  std::string_view p = l.payload;
  if (p.substr(0, 3) != "NR ") return;
  auto nr_end = p.find(' ', 3);
  auto nr = parse_number(
      p.substr(3, nr_end == std::string_view::npos ? std::string_view::npos : nr_end - 3));
  trace::Event e = new_event(
      ev == "sys_enter" ? trace::Event::SYSCALL_ENTER : trace::Event::SYSCALL_EXIT, ctx, l.time_us);
  if (nr) e.set_value(static_cast<std::int64_t>(*nr));
  if (ev == "sys_exit") {
    auto eq = p.find("= ");
    if (eq != std::string_view::npos) {
      auto r = p.substr(eq + 2);
      if (auto v = models::parse_i64(r.substr(0, r.find(' ')), 0)) e.set_result(*v);
    }
  }
  s.out.push(std::move(e));
}

// A way to wait that is not a lock (WaitPairs): a wait's entry or return, or a wake.
void Importer::on_wait_probe(Section& s, const FtraceLine& l, std::uint32_t ctx,
                             const models::LockPrimitive& probe, bool ret) {
  using State = models::LockPrimitive::SleepState;
  if (ret) {
    s.waits.end(ctx, l.time_us);
    return;
  }
  auto addr = payload_field(l.payload, "lock");
  auto a = addr ? parse_number(*addr) : std::nullopt;
  if (!a || *a == 0) return;
  WaitKey key{*a, probe.kind};
  if (probe.kind == LockKind::kBitWait) {  // the byte that holds the bit
    auto bit = payload_field(l.payload, "bit");
    key.address += bit ? parse_number(*bit).value_or(0) / 8 : 0;
  }
  if (probe.op == models::LockPrimitive::Op::kWake) {
    s.waits.wake(ctx, key, l.time_us);
    return;
  }
  // The hung-task detector reports a task whose state is exactly TASK_UNINTERRUPTIBLE (2).
  bool reported = probe.state == State::kUninterruptible;
  if (probe.state == State::kArgument) {
    auto state = payload_field(l.payload, "state");
    reported = state && parse_number(*state).value_or(0) == 2;
  }
  auto caller = payload_field(l.payload, "caller");
  s.waits.begin(ctx, key, caller ? parse_number(*caller).value_or(0) : 0, reported);
}

// The context a sched_wakeup line wakes (0: none, or one that has exited); `known_only`: 0 for a
// task never seen before too (a context waiting in a traced wait is known).
std::uint32_t Importer::target_of_wakeup(Section& s, const FtraceLine& l, bool known_only) {
  auto pid = payload_field(l.payload, "pid");
  if (!pid) return 0;
  int p = static_cast<int>(parse_number(*pid).value_or(0));
  if (known_only && !ctxs_.knows_pid(p)) return 0;
  auto comm = payload_field(l.payload, "comm");
  std::uint32_t target = ctxs_.for_pid(p, comm ? std::string(*comm) : "");
  return s.exited.count(target) ? 0 : target;
}

void Importer::on_wakeup(Section& s, const FtraceLine& l, std::uint32_t ctx) {
  std::uint32_t target = target_of_wakeup(s, l, false);
  if (target == 0) return;
  trace::Event e = new_event(trace::Event::WAKEUP, ctx, l.time_us);
  e.set_target(target);
  s.out.push(std::move(e));
}

void Importer::on_fork(Section& s, const FtraceLine& l, std::uint32_t ctx) {
  auto pid = payload_field(l.payload, "child_pid");
  auto comm = payload_field(l.payload, "child_comm");
  if (!pid) return;
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
  if (ctxs_[child].parent != ctx) return;
  if (ctxs_[ctx].kind == ContextKind::kKernelThread || ctxs_[ctx].pid == 2) {
    ctxs_[child].kind = ContextKind::kKernelThread;
  }
  trace::Event e = new_event(trace::Event::FORK, ctx, l.time_us);
  e.set_target(child);
  s.out.push(std::move(e));
}

// The workloads' trace marker: "PROGRESS name n" (a workload's progress), "FAIL ..." (an error
// a workload saw, in the injected run).
void Importer::on_mark(Section& s, const FtraceLine& l, std::uint32_t ctx) {
  std::string_view p = l.payload;
  std::uint64_t t = l.time_us;
  if (ProgressMark mark; p.substr(0, 9) == "PROGRESS ") {
    if (!parse_progress(p, mark)) return;  // cut short
    const std::string& name = mark.workload;
    std::uint64_t n = mark.value;
    workload_writers_[name].insert(ctx);
    if (!s.injected && (!crashed_ || t <= crash_us_)) golden_progress_at_crash_[name] = n;
    trace::Event e = new_event(trace::Event::PROGRESS, ctx, t);
    e.set_workload(name);
    e.set_value(static_cast<std::int64_t>(n));
    s.out.push(std::move(e));
  } else if (p.substr(0, 5) == "FAIL " && s.injected) {
    trace::Event e = new_event(trace::Event::ERROR, ctx, t);
    e.set_text(std::string(p));
    s.out.push(std::move(e));
  }
}

}  // namespace oopsim::traces::import_detail
