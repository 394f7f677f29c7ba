// Streaming, validating reader of a trace. It decodes each packet, keeps the declarations, and
// checks every event against the state of its section (ids known, locks held by who releases
// them, time order, nothing after exit...). Memory grows with contexts and locks, not events.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "traces/format/packet_source.h"
#include "traces/format/trace_model.h"

namespace oopsim::traces {

class RecordedTrace;

class TraceReader {
 public:
  enum class Item { kDeclaration, kSection, kEvent, kObserved, kEnd, kError };

  explicit TraceReader(std::unique_ptr<PacketSource> source);
  // Reads a trace recorded in memory (recorded_trace.h) instead of a file: the same items, model,
  // events and errors as the reading that recorded it, without decoding or checking again.
  // packet() then holds only the declaration, section and observed packets.
  explicit TraceReader(const RecordedTrace& recorded);
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  // Reads the next packet. kEnd at a clean end of a valid trace; kError when the packet or the
  // trace is bad (error() says where and what). A stream that ends early (truncated) is kError
  // after every good packet before the cut was delivered.
  Item next();

  const TraceModel& model() const { return model_; }
  // The packet last read, as it was in the file.
  const trace::TracePacket& packet() const { return packet_; }
  SectionKind section() const { return section_; }
  const models::Event& event() const { return *current_event_; }
  const ObservedOutcome& observed() const { return observed_; }
  const std::vector<ObservedOutcome>& all_observed() const { return all_observed_; }
  const TraceError& error() const { return *error_; }
  // An error located at the packet last read (for callers that find a problem in it).
  TraceError source_error_here(std::string what) const;
  PacketPlace place() const;
  const std::string& path() const;
  std::uint64_t events() const { return events_; }
  std::uint64_t packets() const { return packets_; }
  // The first oops of the injected section: the crash.
  const std::optional<models::Event>& crash() const { return crash_; }
  // Time of the last event of each section.
  models::Ticks last_time(SectionKind kind) const;

 private:
  struct ContextState {
    models::Ticks last_time = 0;
    bool any_event = false;
    bool exited = false;
    bool forked = false;
    std::vector<std::pair<models::LockId, models::LockMode>> held;
  };
  struct LockState {
    models::ContextId exclusive = 0;
    std::uint32_t shared = 0;
  };

  Item fail(std::string what);
  Item dispatch();
  Item next_recorded();
  Item on_declaration(const trace::TracePacket& p);
  Item on_section(const trace::TracePacket& p);
  Item on_event();
  bool check_event(std::string& what);
  void reset_section_state();
  bool take_lock(ContextState& cs, models::LockId lock, models::LockMode mode, std::string& what);

  std::unique_ptr<PacketSource> source_;
  const RecordedTrace* recorded_ = nullptr;
  std::size_t step_ = 0;  // the next recorded step
  bool ended_ = false;    // all recorded steps delivered
  trace::TracePacket packet_;
  TraceModel model_;
  bool header_seen_ = false;
  SectionKind section_ = SectionKind::kNone;
  bool injected_seen_ = false;
  bool golden_seen_ = false;
  models::Event event_;
  const models::Event* current_event_ = &event_;
  ObservedOutcome observed_;
  std::vector<ObservedOutcome> all_observed_;
  std::optional<models::Event> crash_;
  std::optional<TraceError> error_;
  std::vector<ContextState> ctx_state_;  // by context index
  std::vector<LockState> lock_state_;    // by lock index
  models::Ticks section_time_ = 0;
  models::Ticks last_injected_ = 0;
  models::Ticks last_golden_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t packets_ = 0;
};

}  // namespace oopsim::traces
