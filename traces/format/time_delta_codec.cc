#include "traces/format/time_delta_codec.h"

#include <fmt/format.h>

namespace oopsim::traces {

bool TimeDeltaCodec::follow(const trace::TracePacket& packet) {
  if (packet.has_header()) {
    version_ = packet.header().format_version();
    previous_ = 0;
  } else if (packet.has_section()) {
    previous_ = 0;
  }
  return packet.has_event();
}

bool TimeDeltaCodec::decode(trace::TracePacket& packet, std::string& error) {
  if (!follow(packet)) return true;
  trace::Event& e = *packet.mutable_event();
  if (version_ < 2) {
    if (!e.has_time_delta()) return true;
    error = fmt::format("event has time_delta, which format_version {} does not have", version_);
    return false;
  }
  if (e.has_time()) {
    error = "event has time; format_version 2 gives time_delta instead";
    return false;
  }
  if (!e.has_time_delta()) {
    error = "event has no time_delta";
    return false;
  }
  // Two's-complement sum: the exact inverse of encode() for any two 64-bit times.
  previous_ += static_cast<std::uint64_t>(e.time_delta());
  e.clear_time_delta();
  e.set_time(previous_);
  return true;
}

const trace::TracePacket& TimeDeltaCodec::encode(const trace::TracePacket& packet) {
  if (!follow(packet) || version_ < 2) return packet;
  scratch_.CopyFrom(packet);
  trace::Event& e = *scratch_.mutable_event();
  std::uint64_t time = e.time();
  e.clear_time();
  // Two's-complement difference: exact for any two 64-bit times, decoded back by the reader.
  e.set_time_delta(static_cast<std::int64_t>(time - previous_));
  previous_ = time;
  return scratch_;
}

}  // namespace oopsim::traces
