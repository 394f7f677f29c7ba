// What a trace declares, decoded into the models' types: header, fault, contexts, locks, objects,
// workloads. Kept whole in memory (it grows with contexts and locks, not with events).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/event.h"
#include "models/fault_model.h"
#include "models/kernel_model.h"
#include "models/outcome.h"
#include "models/workload_model.h"
#include "traces/format/id_index.h"

namespace oopsim::traces {

enum class Origin { kUnspecified, kCaptured, kHandWritten, kGenerated };
std::string_view name(Origin origin);

enum class SectionKind { kNone, kInjected, kGolden };
std::string_view name(SectionKind kind);

struct TraceHeader {
  std::uint32_t format_version = 0;
  std::string kernel_release;
  std::string kernel_package;   // "PACKAGE VERSION" ("": not recorded)
  std::string kernel_build_id;  // vmlinux's GNU build id, hex ("": not recorded)
  Origin origin = Origin::kUnspecified;
  std::uint64_t ticks_per_second = 1'000'000'000;
  std::uint64_t window = 0;  // ticks after the crash; 0: until the golden run ends
  std::uint32_t cpus = 0;    // of the traced machine; 0: unknown
};

struct ObservedOutcome {
  std::string workload;
  models::Outcome outcome = models::Outcome::kNotManifest;
  std::string detail;
};

// Declarations, each indexed by its trace id. Indices are dense and in declaration order.
struct TraceModel {
  TraceHeader header;
  std::optional<models::FaultInfo> fault;
  // A deque: a trace may declare a million contexts, and a vector's doubling would hold the old
  // and the new copy at once (1.5x the peak).
  std::deque<models::ContextInfo> contexts;
  std::vector<models::LockInfo> locks;
  std::vector<models::ObjectInfo> objects;
  std::vector<models::WorkloadInfo> workloads;
  struct Site {
    std::string function;
    std::uint64_t offset = 0;  // 0: unknown
  };
  std::vector<Site> sites;  // by site index
  IdIndex context_index;
  IdIndex lock_index;
  IdIndex object_index;
  IdIndex site_index;
  std::map<std::string, std::uint32_t> workload_index;

  const models::ContextInfo* context(models::ContextId id) const;
  const models::LockInfo* lock(models::LockId id) const;
  const models::ObjectInfo* object(models::ObjectId id) const;
  const models::WorkloadInfo* workload(const std::string& name) const;
};

}  // namespace oopsim::traces
