#include "traces/format/trace_model.h"

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
  std::uint32_t i = context_index.find(id);
  return i == IdIndex::kNone ? nullptr : &contexts[i];
}

const models::LockInfo* TraceModel::lock(models::LockId id) const {
  std::uint32_t i = lock_index.find(id);
  return i == IdIndex::kNone ? nullptr : &locks[i];
}

const models::ObjectInfo* TraceModel::object(models::ObjectId id) const {
  std::uint32_t i = object_index.find(id);
  return i == IdIndex::kNone ? nullptr : &objects[i];
}

const models::WorkloadInfo* TraceModel::workload(const std::string& name) const {
  auto it = workload_index.find(name);
  return it == workload_index.end() ? nullptr : &workloads[it->second];
}

}  // namespace oopsim::traces
