#include "traces/format/recorded_trace.h"

namespace oopsim::traces {

namespace {

using Packed = RecordedTrace::PackedEvent;

template <typename Extra>
Packed pack(const models::Event& e, std::vector<Extra>& extras) {
  Packed p;
  p.time = e.time;
  p.value = e.value;
  p.result = e.result;
  p.context_ix = e.context_ix;
  p.lock_ix = e.lock_ix;
  p.object_ix = e.object_ix;
  p.target_ix = e.target_ix;
  p.workload_ix = e.workload_ix;
  p.site_ix = e.site_ix;
  p.site = e.site;
  if (!e.text.empty() || e.has_cpu_state || e.access.size != 0 || e.access.fault_free_known ||
      e.access.by_mutated_code_known) {
    extras.push_back({e.text, e.has_cpu_state, e.irqs_disabled, e.preempt_count, e.access});
    p.extra = static_cast<std::uint32_t>(extras.size());
  }
  p.type = static_cast<std::uint8_t>(e.type);
  p.mode = static_cast<std::uint8_t>(e.mode);
  p.oops_kind = static_cast<std::uint8_t>(e.oops_kind);
  p.trylock = e.trylock;
  return p;
}

}  // namespace

void RecordedTrace::unpack(std::size_t index, const TraceModel& model, models::Event& e) const {
  constexpr std::uint32_t kNone = models::Event::kNone;
  const Packed& p = events_[index];
  e.time = p.time;
  e.value = p.value;
  e.result = p.result;
  e.context_ix = p.context_ix;
  e.lock_ix = p.lock_ix;
  e.object_ix = p.object_ix;
  e.target_ix = p.target_ix;
  e.workload_ix = p.workload_ix;
  e.site_ix = p.site_ix;
  e.site = p.site;
  e.context = model.contexts[p.context_ix].id;
  e.lock = p.lock_ix == kNone ? 0 : model.locks[p.lock_ix].id;
  e.object = p.object_ix == kNone ? 0 : model.objects[p.object_ix].id;
  e.target = p.target_ix == kNone ? 0 : model.contexts[p.target_ix].id;
  if (p.workload_ix == kNone) {
    e.workload.clear();
  } else {
    e.workload = model.workloads[p.workload_ix].name;
  }
  if (p.extra == 0) {
    e.text.clear();
    e.has_cpu_state = e.irqs_disabled = false;
    e.preempt_count = 0;
    e.access = {};
  } else {
    const Extra& x = extras_[p.extra - 1];
    e.text = x.text;
    e.has_cpu_state = x.has_cpu_state;
    e.irqs_disabled = x.irqs_disabled;
    e.preempt_count = x.preempt_count;
    e.access = x.access;
  }
  e.type = static_cast<models::EventType>(p.type);
  e.mode = static_cast<models::LockMode>(p.mode);
  e.oops_kind = static_cast<models::OopsKind>(p.oops_kind);
  e.trylock = p.trylock;
}

bool RecordedTrace::record(std::unique_ptr<PacketSource> source, std::size_t max_events) {
  RecordedTrace* r = this;
  r->path_ = source->path();
  r->steps_.clear();
  r->places_.clear();
  r->events_.clear();
  r->extras_.clear();
  r->packets_.clear();
  r->error_.reset();
  TraceReader reader(std::move(source));
  while (true) {
    TraceReader::Item item = reader.next();
    if (item == TraceReader::Item::kEnd || item == TraceReader::Item::kError) {
      if (item == TraceReader::Item::kError) r->error_ = reader.error();
      r->end_place_ = reader.place();
      r->end_packets_ = reader.packets();
      return true;
    }
    Step step{item, 0};
    if (item == TraceReader::Item::kEvent) {
      if (r->events_.size() == max_events) return false;
      step.index = static_cast<std::uint32_t>(r->events_.size());
      r->events_.push_back(pack(reader.event(), r->extras_));
    } else {
      step.index = static_cast<std::uint32_t>(r->packets_.size());
      r->packets_.push_back(reader.packet());
    }
    r->steps_.push_back(step);
    r->places_.push_back(reader.place());
  }
}

}  // namespace oopsim::traces
