#include "traces/format/trace_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "traces/format/packet_decoder.h"
#include "traces/format/recorded_trace.h"

namespace oopsim::traces {

using models::EventType;
using models::LockMode;

TraceReader::TraceReader(std::unique_ptr<PacketSource> source) : source_(std::move(source)) {}

TraceReader::TraceReader(const RecordedTrace& recorded) : recorded_(&recorded) {}

const std::string& TraceReader::path() const {
  return recorded_ ? recorded_->path() : source_->path();
}

PacketPlace TraceReader::place() const {
  if (!recorded_) return source_->place();
  if (ended_) return recorded_->end_place();
  return step_ == 0 ? PacketPlace{} : recorded_->places()[step_ - 1];
}

TraceError TraceReader::source_error_here(std::string what) const {
  return error_at(path(), place(), std::move(what));
}

TraceReader::Item TraceReader::fail(std::string what) {
  error_ = source_error_here(std::move(what));
  return Item::kError;
}

models::Ticks TraceReader::last_time(SectionKind kind) const {
  return kind == SectionKind::kGolden ? last_golden_ : last_injected_;
}

TraceReader::Item TraceReader::next() {
  if (error_) return Item::kError;
  if (recorded_) return next_recorded();
  if (!source_->next(packet_)) {
    if (source_->error()) {
      error_ = *source_->error();
      return Item::kError;
    }
    if (!header_seen_) return fail("empty trace: no header packet");
    return Item::kEnd;
  }
  return dispatch();
}

namespace {
constexpr std::size_t kPrefetchAhead = 16;
}  // namespace

TraceReader::Item TraceReader::next_recorded() {
  if (step_ == recorded_->steps().size()) {
    ended_ = true;
    packets_ = recorded_->end_packets();
    if (!recorded_->error()) return Item::kEnd;
    error_ = recorded_->error();
    return Item::kError;
  }
  RecordedTrace::Step step = recorded_->steps()[step_++];
  if (step.item != Item::kEvent) {
    packet_ = recorded_->packets()[step.index];
    return dispatch();  // declarations and sections build the model as the first reading did
  }
  // An event the recording reading checked: only the state the accessors show is kept up.
  ++packets_;
  ++events_;
  const std::vector<RecordedTrace::PackedEvent>& events = recorded_->events();
  // The engine touches much memory between two events: fetch the ones to come early.
  if (step.index + kPrefetchAhead < events.size())
    __builtin_prefetch(&events[step.index + kPrefetchAhead]);
  recorded_->unpack(step.index, model_, event_);
  current_event_ = &event_;
  const models::Event& e = event_;
  if (section_ == SectionKind::kGolden) {
    last_golden_ = e.time;
  } else {
    last_injected_ = e.time;
    if (e.type == EventType::kOops && !crash_) crash_ = e;
  }
  return Item::kEvent;
}

TraceReader::Item TraceReader::dispatch() {
  ++packets_;
  int set = packet_.has_header() + packet_.has_fault() + packet_.has_context() +
            packet_.has_lock() + packet_.has_object() + packet_.has_workload() +
            packet_.has_section() + packet_.has_event() + packet_.has_observed() +
            packet_.has_site();
  if (set == 0) return fail("packet has no content");
  if (set > 1)
    return fail(fmt::format("packet has {} content fields; exactly one is allowed", set));
  std::string what;
  if (packet_.has_header()) {
    if (header_seen_) return fail("second header packet");
    header_seen_ = true;
    if (!decode_header(packet_.header(), model_.header, what)) return fail(what);
    return Item::kDeclaration;
  }
  if (!header_seen_) return fail("the trace must start with a header packet");
  if (packet_.has_section()) return on_section(packet_);
  if (packet_.has_event()) {
    current_event_ = &event_;
    if (!decode_event(packet_.event(), event_, what)) return fail(what);
    return on_event();
  }
  if (packet_.has_observed()) {
    if (!decode_observed(packet_.observed(), observed_, what)) return fail(what);
    if (model_.workload(observed_.workload) == nullptr) {
      return fail(fmt::format("observed outcome for undeclared workload '{}'", observed_.workload));
    }
    for (const ObservedOutcome& o : all_observed_) {
      if (o.workload == observed_.workload) {
        return fail(fmt::format("second observed outcome for workload '{}'", observed_.workload));
      }
    }
    all_observed_.push_back(observed_);
    return Item::kObserved;
  }
  return on_declaration(packet_);
}

TraceReader::Item TraceReader::on_declaration(const trace::TracePacket& p) {
  std::string what;
  if (p.has_fault()) {
    if (model_.fault) return fail("second fault packet (a trace has one injection)");
    models::FaultInfo f;
    if (!decode_fault(p.fault(), f, what)) return fail(what);
    if (f.context != 0 && model_.context(f.context) == nullptr) {
      return fail(
          fmt::format("fault names undeclared context {} (declare contexts first)", f.context));
    }
    for (models::ContextId id : f.site_run_contexts) {
      if (model_.context(id) == nullptr)
        return fail(fmt::format("fault's site_run_contexts names undeclared context {}", id));
    }
    model_.fault = std::move(f);
  } else if (p.has_context()) {
    models::ContextInfo c;
    if (!decode_context(p.context(), c, what)) return fail(what);
    if (model_.context_index.contains(c.id))
      return fail(fmt::format("context {} declared twice", c.id));
    if (c.parent != 0 && model_.context(c.parent) == nullptr) {
      return fail(fmt::format("context {} has undeclared parent {}", c.id, c.parent));
    }
    model_.context_index.insert(c.id, static_cast<std::uint32_t>(model_.contexts.size()));
    model_.contexts.push_back(std::move(c));
    ctx_state_.emplace_back();
  } else if (p.has_site()) {
    const trace::Site& s = p.site();
    if (s.id() == 0) return fail("site without an id (ids are > 0)");
    if (s.function().empty()) return fail(fmt::format("site {} has no function", s.id()));
    if (model_.site_index.contains(s.id()))
      return fail(fmt::format("site {} declared twice", s.id()));
    model_.site_index.insert(s.id(), static_cast<std::uint32_t>(model_.sites.size()));
    model_.sites.push_back({s.function(), s.offset()});
  } else if (p.has_lock()) {
    models::LockInfo l;
    if (!decode_lock(p.lock(), l, what)) return fail(what);
    if (model_.lock_index.contains(l.id)) return fail(fmt::format("lock {} declared twice", l.id));
    for (models::ContextId holder : l.held_at_start) {
      if (model_.context(holder) == nullptr) {
        return fail(fmt::format("lock {} is held at start by undeclared context {}", l.id, holder));
      }
    }
    if (models::waitable(l.kind) && (!l.held_at_start.empty() || l.handed_over)) {
      return fail(fmt::format("lock {} is a {}, which nobody holds (held_at_start, handed_over)",
                              l.id, models::name(l.kind)));
    }
    if (!l.held_at_start.empty() && section_ != SectionKind::kNone) {
      return fail(
          fmt::format("lock {} has holders at start but is declared after the runs began", l.id));
    }
    model_.lock_index.insert(l.id, static_cast<std::uint32_t>(model_.locks.size()));
    model_.locks.push_back(std::move(l));
    lock_state_.emplace_back();
  } else if (p.has_object()) {
    models::ObjectInfo o;
    if (!decode_object(p.object(), o, what)) return fail(what);
    if (model_.object_index.contains(o.id))
      return fail(fmt::format("object {} declared twice", o.id));
    if (o.guarded_by != 0 && model_.lock(o.guarded_by) == nullptr) {
      return fail(fmt::format("object {} is guarded by undeclared lock {}", o.id, o.guarded_by));
    }
    if (o.owner != 0 && model_.context(o.owner) == nullptr) {
      return fail(fmt::format("object {} is owned by undeclared context {}", o.id, o.owner));
    }
    model_.object_index.insert(o.id, static_cast<std::uint32_t>(model_.objects.size()));
    model_.objects.push_back(std::move(o));
  } else if (p.has_workload()) {
    models::WorkloadInfo w;
    if (!decode_workload(p.workload(), w, what)) return fail(what);
    if (model_.workload_index.count(w.name) != 0) {
      return fail(fmt::format("workload '{}' declared twice", w.name));
    }
    for (models::ContextId c : w.required) {
      if (model_.context(c) == nullptr) {
        return fail(fmt::format("workload '{}' requires undeclared context {}", w.name, c));
      }
    }
    model_.workload_index.emplace(w.name, static_cast<std::uint32_t>(model_.workloads.size()));
    model_.workloads.push_back(std::move(w));
  }
  return Item::kDeclaration;
}

void TraceReader::reset_section_state() {
  for (ContextState& cs : ctx_state_) cs = ContextState{};
  for (LockState& ls : lock_state_) ls = LockState{};
  section_time_ = 0;
  for (std::size_t i = 0; i < model_.locks.size(); ++i) {
    const models::LockInfo& l = model_.locks[i];
    for (models::ContextId holder : l.held_at_start) {
      ContextState& cs = ctx_state_[model_.context_index.at(holder)];
      cs.held.emplace_back(l.id, l.start_mode);
      if (l.start_mode == LockMode::kShared) {
        ++lock_state_[i].shared;
      } else {
        lock_state_[i].exclusive = holder;
      }
    }
  }
}

TraceReader::Item TraceReader::on_section(const trace::TracePacket& p) {
  SectionKind kind;
  std::string what;
  if (!decode_section(p.section(), kind, what)) return fail(what);
  if (kind == SectionKind::kInjected) {
    if (injected_seen_) return fail("second injected section");
    if (golden_seen_) return fail("the injected section must come before the golden section");
    injected_seen_ = true;
  } else {
    if (golden_seen_) return fail("second golden section");
    golden_seen_ = true;
  }
  section_ = kind;
  reset_section_state();
  return Item::kSection;
}

bool TraceReader::take_lock(ContextState& cs, models::LockId lock, LockMode mode,
                            std::string& what) {
  const models::LockInfo& info = model_.locks[event_.lock_ix];
  LockState& ls = lock_state_[event_.lock_ix];
  if (mode == LockMode::kShared && !models::shareable(info.kind)) {
    what =
        fmt::format("lock {} is a {}, which cannot be taken shared", lock, models::name(info.kind));
    return false;
  }
  for (const auto& [held, m] : cs.held) {
    if (held == lock) {
      what = fmt::format("context {} takes lock {} that it already holds", event_.context, lock);
      return false;
    }
  }
  if (ls.exclusive != 0) {
    what = fmt::format("context {} acquires lock {} while context {} holds it", event_.context,
                       lock, ls.exclusive);
    return false;
  }
  if (mode == LockMode::kExclusive && ls.shared != 0) {
    what = fmt::format("context {} acquires lock {} exclusively while {} context(s) hold it shared",
                       event_.context, lock, ls.shared);
    return false;
  }
  if (mode == LockMode::kShared) {
    ++ls.shared;
  } else {
    ls.exclusive = event_.context;
  }
  cs.held.emplace_back(lock, mode);
  return true;
}

bool TraceReader::check_event(std::string& what) {
  models::Event& e = event_;
  e.context_ix = e.lock_ix = e.object_ix = e.target_ix = e.workload_ix = e.site_ix =
      models::Event::kNone;
  std::uint32_t ci = model_.context_index.find(e.context);
  if (ci == IdIndex::kNone) {
    what = section_ == SectionKind::kGolden
               ? fmt::format("golden event for context {}, which the trace does not declare",
                             e.context)
               : fmt::format("event for undeclared context {}", e.context);
    return false;
  }
  e.context_ix = ci;
  ContextState& cs = ctx_state_[ci];
  const models::ContextInfo& ctx = model_.contexts[ci];
  if (cs.any_event && e.time < cs.last_time) {
    what = fmt::format("time goes backwards for context {}: {} after {}", e.context, e.time,
                       cs.last_time);
    return false;
  }
  if (e.time < section_time_) {
    what = fmt::format("events out of time order in the {} section: {} after {}", name(section_),
                       e.time, section_time_);
    return false;
  }
  if (cs.exited) {
    what = fmt::format("{} event for context {} after it exited", models::name(e.type), e.context);
    return false;
  }
  if (ctx.parent != 0 && !cs.forked) {
    what = fmt::format("{} event for context {} before context {} forked it", models::name(e.type),
                       e.context, ctx.parent);
    return false;
  }
  if (e.lock != 0) {
    std::uint32_t it = model_.lock_index.find(e.lock);
    if (it == IdIndex::kNone) {
      what = fmt::format("unknown lock {}", e.lock);
      return false;
    }
    e.lock_ix = it;
    bool waitable = models::waitable(model_.locks[it].kind);
    bool sleep_or_wakeup = e.type == EventType::kSleep || e.type == EventType::kWakeup;
    if (waitable != sleep_or_wakeup) {
      what = fmt::format("{} event names lock {}, a {}: {}", models::name(e.type), e.lock,
                         models::name(model_.locks[it].kind),
                         waitable ? "a completion or bit-wait is only slept on and woken"
                                  : "a sleep or wakeup names only what it waits on (a "
                                    "completion or bit-wait)");
      return false;
    }
  }
  if (e.site != 0) {
    std::uint32_t it = model_.site_index.find(e.site);
    if (it == IdIndex::kNone) {
      what = fmt::format("unknown site {}", e.site);
      return false;
    }
    e.site_ix = it;
  }
  if (e.object != 0) {
    std::uint32_t it = model_.object_index.find(e.object);
    if (it == IdIndex::kNone) {
      what = fmt::format("unknown object {}", e.object);
      return false;
    }
    e.object_ix = it;
  }
  if (e.target != 0) {
    std::uint32_t it = model_.context_index.find(e.target);
    if (it == IdIndex::kNone) {
      what = fmt::format("{} event names unknown context {}", models::name(e.type), e.target);
      return false;
    }
    e.target_ix = it;
  }
  if (!e.workload.empty()) {
    auto it = model_.workload_index.find(e.workload);
    if (it == model_.workload_index.end()) {
      what =
          fmt::format("{} event names undeclared workload '{}'", models::name(e.type), e.workload);
      return false;
    }
    e.workload_ix = it->second;
  }
  if (e.has_cpu_state && e.type != EventType::kOops) {
    what = fmt::format("preempt_count on a {} event (only an oops carries the CPU's state)",
                       models::name(e.type));
    return false;
  }
  bool object_event = e.type == EventType::kObjectRead || e.type == EventType::kObjectWrite;
  if (e.access.size != 0 && !object_event) {
    what = fmt::format(
        "address and size on a {} event (only object-read and object-write "
        "carry the bytes accessed)",
        models::name(e.type));
    return false;
  }
  if ((e.access.fault_free_known || e.access.by_mutated_code_known) &&
      (e.type != EventType::kObjectWrite || section_ != SectionKind::kInjected)) {
    what = fmt::format(
        "{} on {} event in the {} section (only an injected object-write is compared with the "
        "fault-free run and placed in the code)",
        e.access.fault_free_known ? "fault_free" : "by_mutated_code", models::name(e.type),
        name(section_));
    return false;
  }
  cs.any_event = true;
  cs.last_time = e.time;
  section_time_ = e.time;

  switch (e.type) {
    case EventType::kLockAttempt:
      if (e.mode == LockMode::kShared && !models::shareable(model_.locks[e.lock_ix].kind)) {
        what = fmt::format("lock {} is a {}, which cannot be taken shared", e.lock,
                           models::name(model_.locks[e.lock_ix].kind));
        return false;
      }
      return true;
    case EventType::kLockAcquired:
      return take_lock(cs, e.lock, e.mode, what);
    case EventType::kLockRelease: {
      auto it = std::find_if(cs.held.begin(), cs.held.end(),
                             [&](const auto& h) { return h.first == e.lock; });
      if (it == cs.held.end()) {
        what =
            fmt::format("context {} releases lock {}, which it does not hold", e.context, e.lock);
        return false;
      }
      LockState& ls = lock_state_[e.lock_ix];
      if (it->second == LockMode::kShared) {
        --ls.shared;
      } else {
        ls.exclusive = 0;
      }
      cs.held.erase(it);
      return true;
    }
    case EventType::kFork: {
      const models::ContextInfo* child = &model_.contexts[e.target_ix];
      if (child->parent != e.context) {
        what = fmt::format("context {} forks context {}, which is declared with parent {}",
                           e.context, e.target, child->parent);
        return false;
      }
      ContextState& child_state = ctx_state_[e.target_ix];
      if (child_state.forked) {
        what = fmt::format("context {} is forked twice", e.target);
        return false;
      }
      child_state.forked = true;
      return true;
    }
    case EventType::kExit:
      cs.exited = true;
      return true;
    case EventType::kWakeup:
      return true;
    case EventType::kOops:
      if (section_ == SectionKind::kGolden) {
        what = "oops in the golden section (a golden run is fault-free)";
        return false;
      }
      if (!crash_) crash_ = e;
      return true;
    case EventType::kPanic:
      if (section_ == SectionKind::kGolden) {
        what = "panic in the golden section (a golden run is fault-free)";
        return false;
      }
      return true;
    case EventType::kSiteRun:
      if (section_ != SectionKind::kGolden) {
        what = "site-run outside the golden section (it is recorded in a fault-free run)";
        return false;
      }
      return true;
    default:
      return true;
  }
}

TraceReader::Item TraceReader::on_event() {
  if (section_ == SectionKind::kNone) {
    return fail("event before any section packet (start with 'section kind=injected')");
  }
  std::string what;
  if (!check_event(what)) return fail(what);
  ++events_;
  if (section_ == SectionKind::kGolden) {
    last_golden_ = event_.time;
  } else {
    last_injected_ = event_.time;
  }
  return Item::kEvent;
}

}  // namespace oopsim::traces
