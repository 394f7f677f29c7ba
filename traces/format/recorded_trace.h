// A trace read, decoded and checked once, then kept in memory to be read again any number of
// times (simrun's policies over one trace). A TraceReader made from it delivers the same items,
// model, events and errors, at the same places, as the reading that recorded it; only the cost of
// decoding and checking every event is gone. Memory grows with events, so recording stops (and the
// caller reads the file again for each pass) beyond a budget.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "traces/format/trace_reader.h"

namespace oopsim::traces {

class RecordedTrace {
 public:
  // Reads `source` to its end or its first error, in place of what was recorded before (the
  // memory is kept for the next trace: one RecordedTrace per thread saves the page faults of a
  // fresh one per trace). Returns false when the trace has more than `max_events` events; the
  // recording is then unusable until the next record().
  bool record(std::unique_ptr<PacketSource> source, std::size_t max_events);

  // One item of the reading: its kind, and the event or packet it delivered.
  struct Step {
    TraceReader::Item item;
    std::uint32_t index;  // into events (kEvent) or packets (the other kinds)
  };

  // An event in 64 bytes instead of models::Event's 176: replaying reads every event once per
  // policy, and at that size the replays were bound by memory bandwidth. The ids, the workload's
  // name and the text come back from the dense indices and the trace model (the reader checked
  // that each id is declared), the rare parts from a side table; unpack() makes the event again.
  struct PackedEvent {
    models::Ticks time = 0;
    std::int64_t value = 0;
    std::int64_t result = 0;
    std::uint32_t context_ix = 0, lock_ix = 0, object_ix = 0, target_ix = 0, workload_ix = 0,
                  site_ix = 0;
    std::uint32_t site = 0;
    std::uint32_t extra = 0;  // 1 + index into extras_ (text, CPU state); 0: none
    std::uint8_t type = 0, mode = 0, oops_kind = 0;
    bool trylock = false;
  };
  static_assert(sizeof(PackedEvent) <= 64);

  const std::string& path() const { return path_; }
  const std::vector<Step>& steps() const { return steps_; }
  const std::vector<PacketPlace>& places() const { return places_; }  // by step
  const std::vector<PackedEvent>& events() const { return events_; }
  // Event `index` as the recording reading delivered it; `model` is the model read so far.
  void unpack(std::size_t index, const TraceModel& model, models::Event& e) const;
  const std::vector<trace::TracePacket>& packets() const { return packets_; }
  // How the reading ended: nullopt at a clean end, else its error; where the reading then was,
  // and how many packets it had read (a packet found bad counts).
  const std::optional<TraceError>& error() const { return error_; }
  const PacketPlace& end_place() const { return end_place_; }
  std::uint64_t end_packets() const { return end_packets_; }

 private:
  std::string path_;
  std::vector<Step> steps_;
  std::vector<PacketPlace> places_;
  std::vector<PackedEvent> events_;
  struct Extra {  // the rare parts of an event (an oops's, a recorded memory access's)
    std::string text;
    bool has_cpu_state = false;
    bool irqs_disabled = false;
    std::uint32_t preempt_count = 0;
    models::MemoryAccess access;
  };
  std::vector<Extra> extras_;
  std::vector<trace::TracePacket> packets_;
  std::optional<TraceError> error_;
  PacketPlace end_place_;
  std::uint64_t end_packets_ = 0;
};

}  // namespace oopsim::traces
