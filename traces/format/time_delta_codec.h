// Version 2 of the binary form stores each event's time as the difference from the previous
// event of its section (Event.time_delta), which compresses to a fraction of absolute times.
// Everything above the binary reader and writer sees absolute times only: the reader decodes,
// the writer encodes, and the text form always holds `time`.
#pragma once

#include <cstdint>
#include <string>

#include "traces/format/trace.pb.h"

namespace oopsim::traces {

// The newest format version; what the importer and the corpus export write.
inline constexpr std::uint32_t kFormatVersion = 2;
// The oldest version readers accept.
inline constexpr std::uint32_t kOldestFormatVersion = 1;

// Follows one binary stream packet by packet: the header sets the version, a section restarts
// the clock. One codec per stream, fed every packet in order.
class TimeDeltaCodec {
 public:
  // Reading: turns a version-2 event's time_delta into time. Returns false and sets `error` when
  // the packet breaks the encoding of its version (a version-2 event with `time` or without
  // `time_delta`; a version-1 event with `time_delta`).
  bool decode(trace::TracePacket& packet, std::string& error);
  // Writing: returns the packet to serialise, which is `packet` itself unless it is a version-2
  // event; then a copy held in the codec with `time` replaced by `time_delta`.
  const trace::TracePacket& encode(const trace::TracePacket& packet);

 private:
  // Tracks the version and the section; true when `packet` is an event to recode.
  bool follow(const trace::TracePacket& packet);

  std::uint32_t version_ = 1;
  std::uint64_t previous_ = 0;  // time of the section's previous event
  trace::TracePacket scratch_;
};

}  // namespace oopsim::traces
