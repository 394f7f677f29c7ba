#include "traces/format/packet_decoder.h"

#include <fmt/format.h>

#include "traces/format/time_delta_codec.h"

namespace oopsim::traces {

namespace {

// Model enums follow the proto enums' order, shifted by the UNSPECIFIED value at 0.
template <typename Model, typename Proto>
Model from_proto(Proto v) {
  return static_cast<Model>(static_cast<int>(v) - 1);
}
template <typename Proto, typename Model>
Proto to_proto(Model v) {
  return static_cast<Proto>(static_cast<int>(v) + 1);
}

static_assert(trace::Event::ERROR == static_cast<int>(models::EventType::kError) + 1);
static_assert(trace::Event::SITE_RUN == static_cast<int>(models::EventType::kSiteRun) + 1);
static_assert(trace::Fault::NULL_CHECK == static_cast<int>(models::FaultType::kNull) + 1);
static_assert(trace::Context::IDLE == static_cast<int>(models::ContextKind::kIdle) + 1);
static_assert(trace::Lock::BIT_WAIT == static_cast<int>(models::LockKind::kBitWait) + 1);
static_assert(trace::Object::PLAIN == static_cast<int>(models::ObjectClass::kPlain) + 1);
static_assert(trace::Observed::SURVIVED_INCONSISTENT ==
              static_cast<int>(models::Outcome::kSurvivedInconsistent) + 1);
static_assert(trace::Event::OTHER == static_cast<int>(models::OopsKind::kOther));
static_assert(trace::Event::STACK_PROTECTOR == static_cast<int>(models::OopsKind::kStackProtector));

bool missing(std::string& error, std::string_view packet, std::string_view field) {
  error = fmt::format("{} has no {}", packet, field);
  return false;
}

models::LockMode mode_of(trace::Event::Mode m) {
  return m == trace::Event::SHARED ? models::LockMode::kShared : models::LockMode::kExclusive;
}

}  // namespace

bool decode_header(const trace::Header& in, TraceHeader& out, std::string& error) {
  if (!in.has_format_version()) return missing(error, "header", "format_version");
  out.format_version = in.format_version();
  if (out.format_version < kOldestFormatVersion || out.format_version > kFormatVersion) {
    error = fmt::format("unsupported format_version {} (this build reads versions {} to {})",
                        out.format_version, kOldestFormatVersion, kFormatVersion);
    return false;
  }
  out.kernel_release = in.kernel_release();
  out.kernel_package = in.kernel_package();
  out.kernel_build_id = in.kernel_build_id();
  out.origin = static_cast<Origin>(in.origin());
  if (in.has_ticks_per_second()) {
    if (in.ticks_per_second() == 0) {
      error = "header ticks_per_second is 0";
      return false;
    }
    out.ticks_per_second = in.ticks_per_second();
  }
  out.window = in.window();
  out.cpus = in.cpus();
  return true;
}

bool decode_fault(const trace::Fault& in, models::FaultInfo& out, std::string& error) {
  if (in.type() == trace::Fault::TYPE_UNSPECIFIED) return missing(error, "fault", "type");
  out.type = from_proto<models::FaultType>(in.type());
  out.symbol = in.symbol();
  out.offset = in.offset();
  out.address = in.address();
  out.before = in.before();
  out.after = in.after();
  out.context = in.context();
  out.seed = in.seed();
  out.module = in.module();
  out.subsystem = in.subsystem();
  out.site_runs_recorded = in.site_runs_recorded();
  out.site_runs_timed = in.site_runs_timed();
  out.site_run_contexts.assign(in.site_run_contexts().begin(), in.site_run_contexts().end());
  return true;
}

bool decode_context(const trace::Context& in, models::ContextInfo& out, std::string& error) {
  if (in.id() == 0) return missing(error, "context", "id (ids start at 1)");
  if (in.kind() == trace::Context::KIND_UNSPECIFIED) {
    error = fmt::format("context {} has no kind", in.id());
    return false;
  }
  out.id = in.id();
  out.pid = in.pid();
  out.tid = in.has_tid() ? in.tid() : in.pid();
  out.comm = in.comm();
  out.kind = from_proto<models::ContextKind>(in.kind());
  out.workloads.assign(in.workloads().begin(), in.workloads().end());
  out.parent = in.parent();
  out.subsystem = in.subsystem();
  if (out.parent == out.id) {
    error = fmt::format("context {} is its own parent", in.id());
    return false;
  }
  return true;
}

bool decode_lock(const trace::Lock& in, models::LockInfo& out, std::string& error) {
  if (in.id() == 0) return missing(error, "lock", "id (ids start at 1)");
  if (in.kind() == trace::Lock::KIND_UNSPECIFIED) {
    error = fmt::format("lock {} has no kind", in.id());
    return false;
  }
  out.id = in.id();
  out.address = in.address();
  out.kind = from_proto<models::LockKind>(in.kind());
  out.name = in.name();
  out.subsystem = in.subsystem();
  out.held_at_start.assign(in.held_at_start().begin(), in.held_at_start().end());
  out.start_mode = mode_of(in.start_mode());
  out.handed_over = in.handed_over();
  if (out.start_mode == models::LockMode::kShared && !models::shareable(out.kind)) {
    error = fmt::format("lock {} is a {}, which cannot be held shared", in.id(),
                        models::name(out.kind));
    return false;
  }
  if (out.held_at_start.size() > 1 && out.start_mode != models::LockMode::kShared) {
    error = fmt::format("lock {} is held exclusively at start by {} contexts", in.id(),
                        out.held_at_start.size());
    return false;
  }
  return true;
}

bool decode_object(const trace::Object& in, models::ObjectInfo& out, std::string& error) {
  if (in.id() == 0) return missing(error, "object", "id (ids start at 1)");
  if (in.class_() == trace::Object::CLASS_UNSPECIFIED && in.type().empty()) {
    error = fmt::format("object {} has no class and no type", in.id());
    return false;
  }
  out.id = in.id();
  out.name = in.name();
  out.cls_given = in.class_() != trace::Object::CLASS_UNSPECIFIED;
  if (out.cls_given) out.cls = from_proto<models::ObjectClass>(in.class_());
  out.type = in.type();
  out.subsystem = in.subsystem();
  out.guarded_by = in.guarded_by();
  out.owner = in.owner();
  out.region = static_cast<std::uint8_t>(in.region());
  out.address = in.address();
  out.size = in.size();
  return true;
}

bool decode_workload(const trace::Workload& in, models::WorkloadInfo& out, std::string& error) {
  if (in.name().empty()) return missing(error, "workload", "name");
  out.name = in.name();
  out.required.assign(in.required_contexts().begin(), in.required_contexts().end());
  out.progress = in.progress();
  out.target = in.target();
  out.retries = in.retries();
  return true;
}

bool decode_section(const trace::Section& in, SectionKind& out, std::string& error) {
  if (in.kind() == trace::Section::KIND_UNSPECIFIED) return missing(error, "section", "kind");
  out = in.kind() == trace::Section::INJECTED ? SectionKind::kInjected : SectionKind::kGolden;
  return true;
}

bool decode_event(const trace::Event& in, models::Event& out, std::string& error) {
  if (in.has_time_delta()) {
    // The binary reader turns it into time; only a text line can still hold it.
    error = "event has time_delta, which only the binary form of version 2 holds (text gives time)";
    return false;
  }
  if (!in.has_time()) return missing(error, "event", "time");
  if (in.context() == 0) return missing(error, "event", "context");
  if (in.type() == trace::Event::TYPE_UNSPECIFIED) return missing(error, "event", "type");
  out.time = in.time();
  out.context = in.context();
  out.type = from_proto<models::EventType>(in.type());
  out.lock = in.lock();
  out.mode = mode_of(in.mode());
  out.object = in.object();
  out.target = in.target();
  out.value = in.value();
  out.result = in.result();
  out.oops_kind = static_cast<models::OopsKind>(in.oops_kind());
  out.site = in.site();
  out.trylock = in.trylock();
  out.has_cpu_state = in.has_preempt_count();
  out.preempt_count = in.preempt_count();
  out.irqs_disabled = in.irqs_disabled();
  out.access = {in.address(),
                static_cast<std::uint32_t>(in.size()),
                in.has_fault_free(),
                in.fault_free(),
                in.has_by_mutated_code(),
                in.by_mutated_code()};
  if (in.has_text()) {
    out.text = in.text();
  } else {
    out.text.clear();
  }
  if (in.has_workload()) {
    out.workload = in.workload();
  } else {
    out.workload.clear();
  }
  using T = models::EventType;
  switch (out.type) {
    case T::kLockAttempt:
    case T::kLockAcquired:
    case T::kLockRelease:
      if (out.lock == 0)
        return missing(error, fmt::format("{} event", models::name(out.type)), "lock");
      break;
    case T::kFork:
    case T::kWakeup:
      if (out.target == 0)
        return missing(error, fmt::format("{} event", models::name(out.type)), "target");
      break;
    case T::kObjectRead:
    case T::kObjectWrite:
      if (out.object == 0)
        return missing(error, fmt::format("{} event", models::name(out.type)), "object");
      break;
    case T::kProgress:
      if (out.workload.empty()) return missing(error, "progress event", "workload");
      if (out.value < 0) {
        error = fmt::format("progress event has a negative value {}", out.value);
        return false;
      }
      break;
    default:
      break;
  }
  return true;
}

bool decode_observed(const trace::Observed& in, ObservedOutcome& out, std::string& error) {
  if (in.workload().empty()) return missing(error, "observed", "workload");
  if (in.outcome() == trace::Observed::OUTCOME_UNSPECIFIED)
    return missing(error, "observed", "outcome");
  out.workload = in.workload();
  out.outcome = from_proto<models::Outcome>(in.outcome());
  out.detail = in.detail();
  return true;
}

trace::Event::Type encode(models::EventType type) {
  return to_proto<trace::Event::Type>(type);
}
trace::Event::Mode encode(models::LockMode mode) {
  return mode == models::LockMode::kShared ? trace::Event::SHARED : trace::Event::EXCLUSIVE;
}
trace::Observed::Outcome encode(models::Outcome o) {
  return to_proto<trace::Observed::Outcome>(o);
}
trace::Fault::Type encode(models::FaultType t) {
  return to_proto<trace::Fault::Type>(t);
}
trace::Context::Kind encode(models::ContextKind k) {
  return to_proto<trace::Context::Kind>(k);
}
trace::Lock::Kind encode(models::LockKind k) {
  return to_proto<trace::Lock::Kind>(k);
}
trace::Object::Class encode(models::ObjectClass c) {
  return to_proto<trace::Object::Class>(c);
}
trace::Event::OopsKind encode(models::OopsKind k) {
  return static_cast<trace::Event::OopsKind>(k);
}

void encode_event(const models::Event& in, trace::Event& out) {
  out.Clear();
  out.set_time(in.time);
  out.set_context(in.context);
  out.set_type(encode(in.type));
  if (in.lock != 0) out.set_lock(in.lock);
  if (in.type == models::EventType::kLockAttempt || in.type == models::EventType::kLockAcquired) {
    if (in.mode == models::LockMode::kShared) out.set_mode(trace::Event::SHARED);
  }
  if (in.type == models::EventType::kSleep && in.mode == models::LockMode::kShared) {
    out.set_mode(trace::Event::SHARED);
  }
  if (in.value != 0) out.set_value(in.value);
  if (in.result != 0) out.set_result(in.result);
  if (in.target != 0) out.set_target(in.target);
  if (in.object != 0) out.set_object(in.object);
  if (!in.text.empty()) out.set_text(in.text);
  if (in.oops_kind != models::OopsKind::kUnspecified) out.set_oops_kind(encode(in.oops_kind));
  if (!in.workload.empty()) out.set_workload(in.workload);
  if (in.access.size != 0) {
    out.set_address(in.access.address);
    out.set_size(in.access.size);
  }
  if (in.access.fault_free_known) out.set_fault_free(in.access.fault_free);
  if (in.access.by_mutated_code_known) out.set_by_mutated_code(in.access.by_mutated_code);
}

}  // namespace oopsim::traces
