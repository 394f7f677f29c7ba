#include "traces/trace_model.h"

namespace oopsim::traces {

std::string_view name(Origin origin) {
  switch (origin) {
    case Origin::kCaptured:
      return "captured";
    case Origin::kHandWritten:
      return "hand-written";
    case Origin::kGenerated:
      return "generated";
    case Origin::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string_view name(SectionKind kind) {
  switch (kind) {
    case SectionKind::kInjected:
      return "injected";
    case SectionKind::kGolden:
      return "golden";
    case SectionKind::kNone:
      break;
  }
  return "none";
}

const models::ContextInfo* TraceModel::context(models::ContextId id) const {
  auto it = context_index.find(id);
  return it == context_index.end() ? nullptr : &contexts[it->second];
}

const models::LockInfo* TraceModel::lock(models::LockId id) const {
  auto it = lock_index.find(id);
  return it == lock_index.end() ? nullptr : &locks[it->second];
}

const models::ObjectInfo* TraceModel::object(models::ObjectId id) const {
  auto it = object_index.find(id);
  return it == object_index.end() ? nullptr : &objects[it->second];
}

const models::WorkloadInfo* TraceModel::workload(const std::string& name) const {
  auto it = workload_index.find(name);
  return it == workload_index.end() ? nullptr : &workloads[it->second];
}

}  // namespace oopsim::traces
