// Turns protobuf packets into the models' types, checking each packet on its own: required
// fields present, enums set, ids non-zero. Cross-packet consistency is TraceReader's job.
#pragma once

#include <string>

#include "traces/format/trace.pb.h"
#include "traces/format/trace_model.h"

namespace oopsim::traces {

// Each returns false with `error` set when the packet is incomplete or out of range.
bool decode_header(const trace::Header& in, TraceHeader& out, std::string& error);
bool decode_fault(const trace::Fault& in, models::FaultInfo& out, std::string& error);
bool decode_context(const trace::Context& in, models::ContextInfo& out, std::string& error);
bool decode_lock(const trace::Lock& in, models::LockInfo& out, std::string& error);
bool decode_object(const trace::Object& in, models::ObjectInfo& out, std::string& error);
bool decode_workload(const trace::Workload& in, models::WorkloadInfo& out, std::string& error);
bool decode_section(const trace::Section& in, SectionKind& out, std::string& error);
bool decode_event(const trace::Event& in, models::Event& out, std::string& error);
bool decode_observed(const trace::Observed& in, ObservedOutcome& out, std::string& error);

// The reverse, for writers of traces (generators, importers, tests).
trace::Event::Type encode(models::EventType type);
trace::Event::Mode encode(models::LockMode mode);
trace::Observed::Outcome encode(models::Outcome outcome);
trace::Fault::Type encode(models::FaultType type);
trace::Context::Kind encode(models::ContextKind kind);
trace::Lock::Kind encode(models::LockKind kind);
trace::Object::Class encode(models::ObjectClass cls);
trace::Event::OopsKind encode(models::OopsKind kind);
void encode_event(const models::Event& in, trace::Event& out);

}  // namespace oopsim::traces
